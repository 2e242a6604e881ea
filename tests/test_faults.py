"""Crashes: ``kill -9`` of a backend in the middle of a refresh and of an ingest, and of the whole
server in the middle of an ingest. Afterwards (PostgreSQL's crash recovery, then a restart for
the whole-server case) no acknowledged event is missing, derived data is readable, and the next
refresh succeeds in every step.

A backend killed with SIGKILL makes the postmaster end every session and reinitialise, and the
whole-server case stops it outright, so these tests run on an embedded server of their own
(``.pgdata-test-faults``): the rest of the suite keeps its connections.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Iterator

import psycopg
import pytest

from app import ROOT
from app.db import start_embedded, stop_embedded, with_database
from app.schema import migrate
from tests.helpers import wait_until

FAULT_DATA_DIR = Path(os.environ.get("PGREC_TEST_FAULTS_DATA_DIR", ROOT / ".pgdata-test-faults"))
DB = "pgrec_faults"
WRITER = "pgrec-fault-writer"

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds server processes in /proc")


def accepts_connections(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def postmaster_pid() -> int:
    return int((FAULT_DATA_DIR / "postmaster.pid").read_text().split()[0])


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name is in parentheses and may contain spaces: the fields after it.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def gone(pid: int) -> bool:
    """The process has exited and been reaped (a zombie still counts as running for pg_ctl)."""
    return not Path(f"/proc/{pid}").exists()


@pytest.fixture(scope="module")
def fault_server() -> Iterator[dict[str, str]]:
    admin = start_embedded(FAULT_DATA_DIR)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")
    url = with_database(admin, DB)
    migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT rec.upsert_items(%s::jsonb)", (json.dumps(
            [{"id": f"f-item-{i}", "title": f"Item {i}", "tags": [f"category:c{i % 7}", f"tool:t{i % 5}"]}
             for i in range(300)]),))
        for b in range(60):  # 30,000 events, enough for the refresh to take a moment
            conn.execute("SELECT rec.track(%s::jsonb)", (json.dumps(
                [{"event_id": f"seed-{b}-{i}", "user_id": f"f-user-{(b * 37 + i) % 400}",
                  "item_id": f"f-item-{(b * 11 + i * 7) % 300}", "type": ("view", "like", "save")[i % 3]}
                 for i in range(500)]),))
        conn.execute("SELECT * FROM rec.refresh()").fetchall()
    yield {"admin": admin, "url": url}
    stop_embedded(FAULT_DATA_DIR)


class Writers:
    """Threads sending 200-event batches; the ids of every batch whose commit returned are
    ``acknowledged`` — what a client was told is stored."""

    def __init__(self, url: str, count: int = 4, tag: str = "w") -> None:
        self.url = url
        self.acknowledged: set[str] = set()
        self.batches = 0
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(f"{tag}{i}",), daemon=True) for i in range(count)]

    def _run(self, name: str) -> None:
        try:
            conn = psycopg.connect(self.url, autocommit=True, application_name=WRITER)
        except psycopg.Error:
            return
        with conn:
            number = 0
            while not self.stop.is_set():
                batch = [{"event_id": f"{name}-{number}-{i}", "user_id": f"f-user-{(number + i) % 450}",
                          "item_id": f"f-item-{(number * 3 + i) % 300}", "type": "click"} for i in range(200)]
                number += 1
                try:
                    conn.execute("SELECT rec.track(%s::jsonb)", (json.dumps(batch),))
                except psycopg.Error:
                    return  # the crash: this batch was never acknowledged
                with self._lock:
                    self.acknowledged.update(e["event_id"] for e in batch)
                    self.batches += 1

    def start(self) -> "Writers":
        for t in self.threads:
            t.start()
        return self

    def join(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)


def check_after_crash(url: str, acknowledged: set[str]) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        stored = conn.execute("SELECT count(*) FROM pgrec.events WHERE event_id = ANY(%s)",
                              (list(acknowledged),)).fetchone()[0]
        assert stored == len(acknowledged), f"{len(acknowledged) - stored} acknowledged events lost"
        # Derived data as the last committed refresh left it, readable by every feed.
        assert conn.execute("SELECT count(*) FROM pgrec.item_stats").fetchone()[0] > 0
        assert conn.execute("SELECT count(*) FROM pgrec.trending").fetchone()[0] > 0
        for query in ("SELECT * FROM rec.trending(10)", "SELECT * FROM rec.latest(10)",
                      "SELECT * FROM rec.feed('f-user-1', 10)", "SELECT * FROM rec.similar_items('f-item-1', 10)"):
            assert conn.execute(query).fetchall(), query
        in_python = {r[0] for r in conn.execute("SELECT step FROM pgrec.refresh_steps WHERE runner <> 'sql'")}
        outcomes = {step: outcome for step, outcome, *_ in conn.execute("SELECT * FROM rec.refresh()")}
        assert {s: o for s, o in outcomes.items() if o != "ok" and s not in in_python} == {}, outcomes


def active_pid(url: str, application_name: str, query_like: str) -> int | None:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s AND state = 'active' "
                           "AND query LIKE %s LIMIT 1", (application_name, query_like)).fetchone()
    return row[0] if row else None


def kill_active(url: str, application_name: str, query_like: str) -> bool:
    """SIGKILL one backend of ``application_name`` running ``query_like``; False if none is."""
    pid = active_pid(url, application_name, query_like)
    if pid is None:
        return False
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False  # it finished just now: try the next one
    return True


def crash_restarted(canary: psycopg.Connection) -> bool:
    """Whether the postmaster has reacted to a killed backend: a kill -9 of any backend makes it
    end every other one (the canary, opened before) and recover. Until then the server may still
    accept a connection that the restart then drops."""
    try:
        canary.execute("SELECT 1")
        return False
    except psycopg.Error:
        return True


def test_backend_killed_mid_ingest(fault_server: dict[str, str]) -> None:
    url = fault_server["url"]
    writers = Writers(url, tag="ingest").start()
    wait_until(lambda: writers.batches >= 20, 60)
    canary = psycopg.connect(url, autocommit=True)
    wait_until(lambda: kill_active(url, WRITER, "%rec.track%"), 30)
    writers.join()
    wait_until(lambda: crash_restarted(canary), 60)
    canary.close()
    wait_until(lambda: accepts_connections(url), 60)
    check_after_crash(url, writers.acknowledged)


def test_backend_killed_mid_refresh(fault_server: dict[str, str]) -> None:
    url = fault_server["url"]
    with psycopg.connect(url, autocommit=True) as conn:
        stats_before = conn.execute("SELECT count(*) FROM pgrec.item_stats").fetchone()[0]
    for _attempt in range(5):
        outcome: dict[str, object] = {}

        def refresh() -> None:
            try:
                with psycopg.connect(url, autocommit=True, application_name="pgrec-fault-refresh") as conn:
                    outcome["rows"] = conn.execute("SELECT * FROM rec.refresh()").fetchall()
            except psycopg.Error as exc:
                outcome["error"] = exc

        thread = threading.Thread(target=refresh, daemon=True)
        canary = psycopg.connect(url, autocommit=True)
        thread.start()
        wait_until(lambda: active_pid(url, "pgrec-fault-refresh", "%rec.refresh%") is not None
                   or not thread.is_alive(), 30)
        time.sleep(0.2)  # into the steps, past the first statement
        killed = kill_active(url, "pgrec-fault-refresh", "%rec.refresh%")
        thread.join(timeout=120)
        if killed:
            wait_until(lambda: crash_restarted(canary), 60)
        canary.close()
        wait_until(lambda: accepts_connections(url), 60)
        if "error" in outcome:
            break  # killed mid-refresh, as intended
    else:
        pytest.fail("the refresh finished every time before it could be killed")
    with psycopg.connect(url, autocommit=True) as conn:
        # The killed refresh left nothing half done: the old derived rows are all there.
        assert conn.execute("SELECT count(*) FROM pgrec.item_stats").fetchone()[0] == stats_before
        # ...and no lock: its advisory locks went with its session.
        assert conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").fetchone()[0] == 0
    check_after_crash(url, set())


def test_whole_server_killed_mid_ingest(fault_server: dict[str, str]) -> None:
    url = fault_server["url"]
    writers = Writers(url, tag="server").start()
    wait_until(lambda: writers.batches >= 20, 60)
    postmaster = postmaster_pid()
    processes = [postmaster, *children_of(postmaster)]
    for pid in processes:  # all at once, like a power cut of the database host
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    writers.join()
    wait_until(lambda: all(gone(pid) for pid in processes), 60)

    admin = start_embedded(FAULT_DATA_DIR)  # crash recovery from the WAL
    assert postmaster_pid() != postmaster
    url = with_database(admin, DB)
    wait_until(lambda: accepts_connections(url), 60)
    check_after_crash(url, writers.acknowledged)
