"""Real scheduler processes: two replicas run a step once; SIGTERM shuts down cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import psycopg
import pytest

from app import ROOT
from app.db import connect
from tests.helpers import wait_until
from tests.test_scheduler import add_step, calls, only, runs

GATE = 4242  # the test holds this advisory lock; the step waits for it inside its transaction


def start(url: str, log: Path, module: list[str], grace: float = 5.0) -> subprocess.Popen:
    env = os.environ | {"DATABASE_URL": url, "PGREC_SCHEDULER_TICK": "0.2", "PGREC_SCHEDULER_SHUTDOWN_GRACE": str(grace)}
    return subprocess.Popen([sys.executable, *module], cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


@pytest.fixture
def gated(fresh_db: str) -> Iterator[psycopg.Connection]:
    """A refresh step that blocks on the test's advisory lock: a step that is provably running.
    The other steps are switched off so each test watches one thing."""
    add_step(fresh_db, "gated", f"PERFORM pg_advisory_xact_lock({GATE});")
    only(fresh_db, "gated")
    with connect(fresh_db) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (GATE,))
        yield holder


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen]]:
    started: list[subprocess.Popen] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def waiting_on_gate(url: str) -> int:
    with connect(url) as conn:
        return conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s AND NOT granted",
                            (GATE,)).fetchone()[0]


def test_two_schedulers_run_a_step_once(fresh_db: str, gated: psycopg.Connection, processes: list, tmp_path: Path) -> None:
    processes += [start(fresh_db, tmp_path / "a.log", ["-m", "scheduler"]),
                  start(fresh_db, tmp_path / "b.log", ["-m", "app.cli", "scheduler"])]
    # One process is inside the step (waiting at the gate); the other sees it running and leaves it.
    wait_until(lambda: waiting_on_gate(fresh_db) == 1, timeout=60)
    wait_until(lambda: all("scheduler running" in (tmp_path / f"{n}.log").read_text() for n in "ab"))
    gated.execute("SELECT pg_advisory_unlock(%s)", (GATE,))
    wait_until(lambda: bool(runs(fresh_db, "gated", "ok")))
    for proc in processes:
        proc.send_signal(signal.SIGTERM)
    assert [proc.wait(timeout=30) for proc in processes] == [0, 0]
    assert len(runs(fresh_db, "gated", "ok")) == 1 and calls(fresh_db, "gated") == 1


def test_sigterm_cancels_a_step_that_outlives_the_grace_period(fresh_db: str, gated: psycopg.Connection,
                                                             processes: list, tmp_path: Path) -> None:
    processes.append(proc := start(fresh_db, tmp_path / "s.log", ["-m", "scheduler"], grace=0.5))
    wait_until(lambda: waiting_on_gate(fresh_db) == 1, timeout=60)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    # Nothing half-written: the step's work rolled back with its transaction, and the run
    # table says what happened.
    assert calls(fresh_db, "gated") == 0 and runs(fresh_db, "gated", "ok") == []
    (outcome, _, detail, _), = runs(fresh_db, "gated")
    assert outcome == "error" and "shutdown" in detail
    assert waiting_on_gate(fresh_db) == 0


def test_sigterm_lets_a_running_step_finish(fresh_db: str, gated: psycopg.Connection,
                                           processes: list, tmp_path: Path) -> None:
    log = tmp_path / "f.log"
    processes.append(proc := start(fresh_db, log, ["-m", "scheduler"], grace=60))
    wait_until(lambda: waiting_on_gate(fresh_db) == 1, timeout=60)
    proc.send_signal(signal.SIGTERM)
    wait_until(lambda: "received SIGTERM" in log.read_text())
    assert proc.poll() is None  # still finishing the step, which cannot end before the gate opens
    gated.execute("SELECT pg_advisory_unlock(%s)", (GATE,))
    assert proc.wait(timeout=30) == 0
    assert calls(fresh_db, "gated") == 1 and len(runs(fresh_db, "gated", "ok")) == 1


def test_once_runs_due_steps_and_exits(fresh_db: str, tmp_path: Path) -> None:
    add_step(fresh_db, "gated", "")
    only(fresh_db, "gated")
    env = os.environ | {"DATABASE_URL": fresh_db}
    first = subprocess.run([sys.executable, "-m", "app.cli", "scheduler", "--once"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=60)
    assert first.returncode == 0 and "gated: ok" in first.stdout
    second = subprocess.run([sys.executable, "-m", "scheduler", "--once"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert second.returncode == 0 and "gated" not in second.stdout
    assert calls(fresh_db, "gated") == 1
    listed = subprocess.run([sys.executable, "-m", "scheduler", "--list"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert "gated: sql, every 01:00:00, last ok 2" in listed.stdout
    assert "stats: sql, every 01:00:00 (disabled), last ok never" in listed.stdout
