"""A real hot standby of the test server: it streams the primary's writes, refuses its own, and
reports how far behind it is. Read endpoints rely on exactly this (``PGREC_READ_DATABASE_URL``)."""

from __future__ import annotations

import uuid
from typing import Iterator

import psutil
import psycopg
import pytest

from app.cluster.replica import Replica, replica_lag, start_replica, stop_replica, wait_for_catch_up
from app.db import with_database


def admin_execute(url: str, *statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


@pytest.fixture(scope="module")
def primary_db(server_url: str) -> Iterator[str]:
    """A scratch database on the test server, the primary the standby follows."""
    name = f"pgrec_test_replica_{uuid.uuid4().hex[:8]}"
    admin_execute(server_url, f"CREATE DATABASE {name}")
    url = with_database(server_url, name)
    admin_execute(url, "CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)")
    yield url
    admin_execute(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def standby(server_url: str, primary_db: str) -> Iterator[Replica]:
    replica = start_replica(server_url, name=f"test-{uuid.uuid4().hex[:8]}")
    try:
        yield replica
    finally:  # by pid, and its folder removed, whatever the tests did
        stop_replica(replica, remove=True)


def standby_url(standby: Replica, primary_db: str) -> str:
    return standby.url(psycopg.conninfo.conninfo_to_dict(primary_db)["dbname"])


def test_a_row_written_on_the_primary_is_read_on_the_standby(primary_db: str, standby: Replica) -> None:
    admin_execute(primary_db, "INSERT INTO notes VALUES (1, 'written on the primary')")
    wait_for_catch_up(standby)
    with psycopg.connect(standby_url(standby, primary_db)) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
        assert conn.execute("SELECT body FROM notes WHERE id = 1").fetchone() == ("written on the primary",)


@pytest.mark.parametrize("statement", [
    "INSERT INTO notes VALUES (2, 'written on the standby')",
    "CREATE TABLE standby_table (id int)",
    # A read function that stages rows in a temporary table could not run on a standby either.
    "CREATE TEMP TABLE scratch (id int)",
])
def test_the_standby_refuses_writes(primary_db: str, standby: Replica, statement: str) -> None:
    with psycopg.connect(standby_url(standby, primary_db)) as conn:
        with pytest.raises(psycopg.Error) as info:
            conn.execute(statement)
    assert info.value.diag.sqlstate == "25006"  # read_only_sql_transaction


def test_lag_is_reported_by_both_sides(primary_db: str, standby: Replica) -> None:
    admin_execute(primary_db, "INSERT INTO notes VALUES (3, 'lag probe') ON CONFLICT DO NOTHING")
    lag = wait_for_catch_up(standby)
    assert lag.streaming
    # The primary lists the standby under its name in pg_stat_replication.
    assert lag.behind_bytes is not None and lag.behind_bytes >= 0
    # It replayed a transaction, so the age of the last one is known.
    assert lag.replay_delay_seconds is not None and lag.replay_delay_seconds >= 0
    assert replica_lag(standby).streaming


def test_a_stopped_standby_restarts_and_catches_up(primary_db: str, standby: Replica) -> None:
    pid = standby.pid
    assert pid is not None
    assert stop_replica(standby)
    assert not psutil.pid_exists(pid)
    assert standby.pid is None

    admin_execute(primary_db, "INSERT INTO notes VALUES (4, 'written while the standby was down')")
    restarted = start_replica(standby.primary_url, name=standby.name)
    assert restarted.url() == standby.url()  # same folder, same port
    wait_for_catch_up(restarted)
    with psycopg.connect(standby_url(restarted, primary_db)) as conn:
        assert conn.execute("SELECT body FROM notes WHERE id = 4").fetchone() == ("written while the standby was down",)


# --- pgrec on a hot standby ---------------------------------------------------------------------

from tests.helpers import (ADMIN_ROLE, ApiDatabase, World, api_client, as_role, prepare_calls, public_functions,  # noqa: E402
                           read_calls, run_call, write_calls)

#: Ids of the rows tests.helpers.seed writes (the api_db fixture).
SEEDED = World(user="ana", item="py-intro", items=["py-intro", "py-web", "sql-basics"], lat=52.52, lon=13.40,
               words="python")

# Advisory locks are granted on a standby (they are in memory, not in the WAL), authenticating
# an unknown key writes nothing, and a bulk embedding neither begins with a short queue nor
# builds an index that exists: these write functions succeed there.
WRITES_A_STANDBY_ALLOWS = {"lock_step", "unlock_step", "authenticate", "embed_bulk_begin", "embed_bulk_finish"}


@pytest.fixture(scope="module")
def replica_of_api_db(server_url: str, api_db: ApiDatabase) -> Iterator[Replica]:
    replica = start_replica(server_url, name=f"test-api-{uuid.uuid4().hex[:8]}")
    try:
        wait_for_catch_up(replica)
        yield replica
    finally:
        stop_replica(replica, remove=True)


def on_standby(replica: Replica, api_db: ApiDatabase, role: str | None = None) -> str:
    url = replica.url(api_db.name)
    return as_role(url, role) if role else url


def test_the_scale_out_tests_call_every_public_function(api_db: ApiDatabase) -> None:
    # The read functions are the STABLE ones, the write functions the VOLATILE ones; a new
    # public function must be added to one list (tests/helpers.py) to be tested on a standby
    # and on a Citus cluster.
    with psycopg.connect(api_db.url) as conn:
        functions = public_functions(conn)
    reads = {name for name, _, _ in read_calls(SEEDED)}
    writes = {name for name, _, _ in write_calls(SEEDED)}
    assert reads == {f for f, v in functions.items() if v in ("s", "i")}
    assert writes == {f for f, v in functions.items() if v == "v"}


def test_no_read_function_writes(api_db: ApiDatabase, replica_of_api_db: Replica) -> None:
    with psycopg.connect(api_db.url, autocommit=True) as conn:
        prepare_calls(conn, SEEDED)
    wait_for_catch_up(replica_of_api_db)
    failures = {}
    with psycopg.connect(on_standby(replica_of_api_db, api_db, ADMIN_ROLE), autocommit=True) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
        for function, statement, params in read_calls(SEEDED):
            try:
                run_call(conn, function, statement, params)
            except psycopg.Error as exc:
                failures[function] = f"{exc.diag.sqlstate}: {exc}"
        # And the standby really refuses writes, so the check above would have caught one.
        refused = set()
        for function, statement, params in write_calls(SEEDED):
            try:
                run_call(conn, function, statement, params)
            except psycopg.Error as exc:
                if exc.diag.sqlstate == "25006":
                    refused.add(function)
    assert not failures, failures
    assert refused == {name for name, _, _ in write_calls(SEEDED)} - WRITES_A_STANDBY_ALLOWS


def test_read_endpoints_are_served_from_the_standby(api_db: ApiDatabase, replica_of_api_db: Replica) -> None:
    # The API's login role, on both servers (a member of pgrec_admin: the test also reads lag
    # and refreshes).
    standby_api_url = on_standby(replica_of_api_db, api_db, ADMIN_ROLE)
    superuser_on_standby = on_standby(replica_of_api_db, api_db)
    with api_client(api_db.admin_url, read_database_url=standby_api_url) as client:
        wait_for_catch_up(replica_of_api_db)
        feed = client.get("/v1/users/ana/feed", headers=api_db.bearer("reader"))
        assert feed.status_code == 200, feed.text
        with psycopg.connect(api_db.url) as conn:
            on_primary = [r[0] for r in conn.execute("SELECT item_id FROM rec.feed('ana')")]
        assert [i["item_id"] for i in feed.json()["items"]] == on_primary

        # With replay paused, a write goes through (to the primary) and the read endpoints do
        # not see it yet: they are served by the standby.
        admin_execute(superuser_on_standby, "SELECT pg_wal_replay_pause()")
        try:
            written = client.put("/v1/items", headers=api_db.bearer("writer"),
                                 json=[{"id": "zeppelin-1", "title": "Zeppelin restoration", "tags": ["tool:python"]}])
            assert written.status_code == 200, written.text
            search = client.get("/v1/search", params={"q": "zeppelin"}, headers=api_db.bearer("reader"))
            assert search.status_code == 200 and search.json()["items"] == []
            answer = client.get("/v1/admin/replica", headers=api_db.bearer("admin"))
            assert answer.status_code == 200, answer.text
            lag = answer.json()
            assert lag["configured"] and lag["in_recovery"] and lag["replay_paused"]
            assert lag["behind_bytes"] > 0
        finally:
            admin_execute(superuser_on_standby, "SELECT pg_wal_replay_resume()")
        wait_for_catch_up(replica_of_api_db)
        search = client.get("/v1/search", params={"q": "zeppelin"}, headers=api_db.bearer("reader"))
        assert [i["item_id"] for i in search.json()["items"]] == ["zeppelin-1"]
        lag = client.get("/v1/admin/replica", headers=api_db.bearer("admin")).json()
        assert lag["replay_paused"] is False and lag["behind_bytes"] >= 0 and lag["replay_age_seconds"] >= 0

        # Refresh is an operation on the primary, whatever serves the reads.
        refreshed = client.post("/v1/admin/refresh", params={"what": "trending"}, headers=api_db.bearer("admin"))
        assert refreshed.status_code == 200 and refreshed.json()["steps"][0]["outcome"] == "ok"
        # The dashboard page has a replica section, shown when the endpoint says configured.
        assert 'id="replica"' in client.get("/dashboard").text


def test_without_a_read_url_the_replica_section_stays_hidden(api_db: ApiDatabase) -> None:
    with api_client(api_db.admin_url) as client:
        assert client.get("/v1/admin/replica", headers=api_db.bearer("admin")).json() == {"configured": False}


def test_refresh_refuses_to_run_on_the_standby(api_db: ApiDatabase, replica_of_api_db: Replica) -> None:
    with psycopg.connect(on_standby(replica_of_api_db, api_db, ADMIN_ROLE), autocommit=True) as conn:
        with pytest.raises(psycopg.Error) as info:
            conn.execute("SELECT * FROM rec.refresh()")
    assert info.value.diag.sqlstate == "25006"
