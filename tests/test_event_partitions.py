"""Events partitioned by month: the refresh step event_partitions, rec.create_event_partitions,
retention by detaching old partitions, and what every reader of events sees meanwhile."""

from __future__ import annotations

import psycopg
import pytest

from app.db import connect
from tests.helpers import at, call, feed_ids, query, refresh, sqlstate_of, track, upsert_items


def partitions(conn) -> dict[str, int]:
    """Attached partitions of pgrec.events -> rows in each."""
    names = [r[0] for r in query(conn, "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                                       "WHERE i.inhparent = 'pgrec.events'::regclass ORDER BY 1")]
    return {n: query(conn, f"SELECT count(*) FROM pgrec.{n}")[0][0] for n in names}


def month_events(user: str, item: str, months: list[str]) -> list[dict]:
    return [{"event_id": f"{user}-{m}", "user_id": user, "item_id": item, "type": "like", "at": f"{m}-05T12:00:00Z"}
            for m in months]


@pytest.fixture
def catalogue(conn):
    at(conn, "2026-06-10T12:00:00Z")
    upsert_items(conn, [{"id": "a", "created_at": "2025-01-01T00:00:00Z"},
                        {"id": "b", "created_at": "2025-01-01T00:00:00Z"}])
    return conn


def test_a_fresh_install_has_only_the_default_partition(conn) -> None:
    assert partitions(conn) == {"events_default": 0}


def test_the_step_moves_waiting_events_into_monthly_partitions_and_creates_months_ahead(catalogue) -> None:
    conn = catalogue
    track(conn, month_events("u1", "a", ["2026-01", "2026-03", "2026-06"]))
    assert partitions(conn) == {"events_default": 3}

    rows = conn.execute("SELECT rows FROM rec.refresh('event_partitions')").fetchone()[0]
    # Three months with waiting events (three moved, three created), July to September ahead.
    assert rows == 3 + 3 + 3
    assert partitions(conn) == {"events_default": 0, "events_p2026_01": 1, "events_p2026_03": 1, "events_p2026_06": 1,
                                "events_p2026_07": 0, "events_p2026_08": 0, "events_p2026_09": 0}
    # Nothing left to do: a second run changes nothing.
    assert conn.execute("SELECT rows FROM rec.refresh('event_partitions')").fetchone()[0] == 0

    # New events go to their month's partition; every reader still sees all of them.
    track(conn, month_events("u2", "a", ["2026-06"]))
    assert partitions(conn)["events_p2026_06"] == 2
    assert conn.execute("SELECT (rec.export_user('u1') ->> 'events_count')::int").fetchone()[0] == 3
    assert conn.execute("SELECT events FROM rec.user_stats('u1')").fetchone()[0] == 3
    # The retried batch is skipped although its events moved partitions.
    assert call(conn, "track", month_events("u1", "a", ["2026-01", "2026-03", "2026-06"])) == 0


def test_partitions_hold_utc_months_whatever_the_session_time_zone(catalogue) -> None:
    conn = catalogue
    at(conn, "2026-07-01T06:00:00Z")
    conn.execute("SET LOCAL TimeZone = 'Pacific/Auckland'")  # already July 1st there
    track(conn, [{"user_id": "u1", "item_id": "a", "type": "view", "at": "2026-06-30T20:00:00Z"}])
    refresh(conn, "event_partitions")
    assert partitions(conn)["events_p2026_06"] == 1
    bound = query(conn, "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c WHERE c.relname = 'events_p2026_07'")[0][0]
    assert bound == "FOR VALUES FROM ('2026-07-01 12:00:00+12') TO ('2026-08-01 12:00:00+12')"


def test_history_is_partitioned_ahead_of_loading_it(catalogue) -> None:
    conn = catalogue
    assert conn.execute("SELECT rec.create_event_partitions('2024-11-20', '2025-02-01')").fetchone()[0] == 4
    assert conn.execute("SELECT rec.create_event_partitions('2024-11-20', '2025-02-01')").fetchone()[0] == 0
    track(conn, month_events("u1", "a", ["2024-11", "2024-12", "2025-01", "2025-02"]))
    assert {k: v for k, v in partitions(conn).items() if v} == {
        "events_p2024_11": 1, "events_p2024_12": 1, "events_p2025_01": 1, "events_p2025_02": 1}


@pytest.mark.parametrize("args, state", [
    ("NULL, now()", "22004"),
    ("now(), now() - interval '1 day'", "22023"),
    ("'-infinity', now()", "22023"),
    ("now(), now() + interval '101 years'", "22023"),
])
def test_bad_partition_ranges(conn, args: str, state: str) -> None:
    error = sqlstate_of(conn, lambda: conn.execute(f"SELECT rec.create_event_partitions({args})"))
    assert error.diag.sqlstate == state


def test_retention_detaches_old_months_and_track_skips_them(catalogue) -> None:
    conn = catalogue
    months = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    track(conn, month_events("u1", "a", months) + month_events("u2", "b", months))
    refresh(conn, "event_partitions")
    assert call(conn, "track", month_events("u1", "a", months)) == 0

    conn.execute("UPDATE pgrec.event_partitioning SET retention = '3 months'")
    refresh(conn, "event_partitions")
    # Horizon: the start of the month of June 10th minus 3 months = March 1st.
    kept = partitions(conn)
    assert "events_p2026_02" not in kept and "events_p2026_01" not in kept
    assert kept["events_p2026_03"] == 2
    assert conn.execute("SELECT count(*) FROM pgrec.events").fetchone()[0] == 8
    # The detached months stay as tables of their own for a DBA to archive.
    assert query(conn, "SELECT count(*) FROM pgrec.events_p2026_01")[0][0] == 2
    # Their event ids are forgotten with them, and events before the horizon are skipped.
    assert query(conn, "SELECT count(*) FROM pgrec.event_ids WHERE occurred_at < '2026-03-01'")[0][0] == 0
    assert call(conn, "track", month_events("u1", "a", ["2026-01", "2026-02"])) == 0
    assert call(conn, "track", [{"user_id": "u3", "item_id": "a", "type": "view", "at": "2026-02-28T23:00:00Z"}]) == 0
    assert call(conn, "track", [{"user_id": "u3", "item_id": "a", "type": "view", "at": "2026-03-01T00:00:00Z"}]) == 1
    assert partitions(conn)["events_default"] == 0

    # Readers only see what is kept; erasing a user reaches the detached months too.
    assert conn.execute("SELECT events FROM rec.user_stats('u1')").fetchone()[0] == 4
    erased = conn.execute("SELECT rec.forget_user('u1')").fetchone()[0]["erased"]
    assert erased["events"] == 4 and erased["events_p2026_01"] == 1 and erased["events_p2026_02"] == 1
    assert query(conn, "SELECT count(*) FROM pgrec.events_p2026_01")[0][0] == 1


def test_a_detached_month_is_not_recreated_over_its_archive(catalogue) -> None:
    conn = catalogue
    track(conn, month_events("u1", "a", ["2026-01"]))
    refresh(conn, "event_partitions")
    conn.execute("UPDATE pgrec.event_partitioning SET retention = '2 months'")
    refresh(conn, "event_partitions")
    assert "events_p2026_01" not in partitions(conn)
    error = sqlstate_of(conn, lambda: conn.execute("SELECT rec.create_event_partitions('2026-01-05', '2026-01-06')"))
    assert error.diag.sqlstate == "42P07"


def test_feeds_and_refresh_read_every_partition(catalogue) -> None:
    conn = catalogue
    fans = [f"f{k}" for k in range(4)]
    # Co-likes of a and b spread over two months and the default partition (June, not created).
    events = [e for f in fans for e in (month_events(f, "a", ["2026-04"]) + month_events(f, "b", ["2026-05"]))]
    for e in events:
        e["event_id"] = f"{e['event_id']}-{e['item_id']}"
    conn.execute("SELECT rec.create_event_partitions('2026-04-01', '2026-05-01')")
    track(conn, events)
    track(conn, [{"user_id": "reader", "item_id": "a", "type": "like", "at": "2026-06-09T12:00:00Z"}])
    outcomes = {step: outcome for step, outcome in query(conn, "SELECT step, outcome FROM rec.refresh()")}
    assert set(outcomes.values()) <= {"ok", "skipped"} and outcomes["event_partitions"] == "ok"
    neighbours = query(conn, "SELECT count(*) FROM pgrec.item_neighbors")[0][0]
    assert neighbours == 2  # a <-> b, from events in two partitions
    assert feed_ids(conn, "reader", 5)[0] == "b"


def test_every_pgrec_table_has_a_placement(conn) -> None:
    tables = {r[0] for r in query(conn, "SELECT 'pgrec.' || c.relname FROM pg_class c "
                                        "WHERE c.relnamespace = 'pgrec'::regnamespace AND c.relkind IN ('r', 'p') "
                                        "AND NOT c.relispartition AND c.relname <> 'alembic_version'")}
    placed = {r[0] for r in query(conn, "SELECT table_name FROM pgrec.table_placements()")}
    assert tables == placed
    # Without Citus, placing does nothing.
    assert query(conn, "SELECT pgrec.place_tables()") == [(0,)]


def test_an_existing_database_keeps_its_events_when_partitioned(fresh_db: str) -> None:
    from app.schema import downgrade, migrate

    downgrade(fresh_db, "0003")
    with connect(fresh_db) as c:
        c.execute("INSERT INTO pgrec.items (external_id) VALUES ('a')")
        c.execute("INSERT INTO pgrec.users (external_id) VALUES ('u1'), ('u2')")
        c.execute("""INSERT INTO pgrec.events (event_id, user_id, item_id, type, occurred_at)
                     SELECT 'e' || g, 1 + g % 2, 1, 'view', timestamptz '2025-11-20' + g * interval '1 day'
                     FROM generate_series(1, 60) g""")
        ids = [r[0] for r in c.execute("SELECT id FROM pgrec.events ORDER BY id")]
    migrate(fresh_db)
    with connect(fresh_db) as c:
        assert [r[0] for r in c.execute("SELECT id FROM pgrec.events ORDER BY id")] == ids
        assert {r[0] for r in c.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'pgrec.events'::regclass")} == {
            "events_default", "events_p2025_11", "events_p2025_12", "events_p2026_01"}
        assert c.execute("SELECT count(*) FROM pgrec.events_default").fetchone()[0] == 0
        assert c.execute("SELECT count(*) FROM pgrec.user_keys").fetchone()[0] == 2
        # The old event ids still make retries no-ops; new events continue the id sequence.
        assert c.execute("""SELECT rec.track('[{"event_id": "e7", "user_id": "u2", "item_id": "a", "type": "view"}]')""").fetchone()[0] == 0
        assert c.execute("""SELECT rec.track('[{"event_id": "new", "user_id": "u2", "item_id": "a", "type": "view"}]')""").fetchone()[0] == 1
        assert c.execute("SELECT max(id) FROM pgrec.events").fetchone()[0] == ids[-1] + 1
    # And back: one table again, a global event id (the one revision that had it), same rows.
    downgrade(fresh_db, "0003")
    with connect(fresh_db) as c:
        assert c.execute("SELECT relkind FROM pg_class WHERE oid = 'pgrec.events'::regclass").fetchone()[0] == "r"
        assert c.execute("SELECT count(*) FROM pgrec.events").fetchone()[0] == 61
    with pytest.raises(psycopg.errors.UniqueViolation):
        with connect(fresh_db) as c:
            c.execute("INSERT INTO pgrec.users (external_id) VALUES ('u1')")
