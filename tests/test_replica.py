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
