"""rec.activity: events per bucket by type over a trailing window (the dashboard's traffic chart)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import psycopg
import pytest

from tests.helpers import call, sqlstate_of

NOW = datetime(2026, 6, 1, 12, 0, 30, tzinfo=timezone.utc)


def activity(conn: psycopg.Connection, window: str = "10 minutes", bucket: str = "1 minute") -> list[tuple]:
    return conn.execute("SELECT bucket_start, events, by_type FROM rec.activity(%s::interval, %s::interval)",
                        (window, bucket)).fetchall()


def test_buckets_count_events_by_type_and_include_empty_ones(conn: psycopg.Connection) -> None:
    conn.execute("SELECT set_config('rec.as_of', %s, true)", (NOW.isoformat(),))
    call(conn, "upsert_items", [{"id": "a", "created_at": "2026-01-01T00:00:00Z"}])
    at = lambda minutes: (NOW - timedelta(minutes=minutes)).isoformat()
    call(conn, "track", [
        {"user_id": "u1", "item_id": "a", "type": "view", "at": at(0)},
        {"user_id": "u2", "item_id": "a", "type": "view", "at": at(0)},
        {"user_id": "u1", "item_id": "a", "type": "like", "at": at(0)},
        {"user_id": "u1", "item_id": "a", "type": "view", "at": at(3)},
        {"user_id": "u3", "item_id": "a", "type": "view", "at": at(30)},        # outside the window
        {"user_id": "u3", "item_id": "a", "type": "like", "at": (NOW + timedelta(hours=1)).isoformat()},  # future
    ])
    rows = activity(conn)
    assert len(rows) == 10
    starts = [r[0] for r in rows]
    assert starts == sorted(starts) and all(b - a == timedelta(minutes=1) for a, b in zip(starts, starts[1:]))
    assert starts[-1] == datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)  # the bucket holding rec.now()
    by_start = {r[0]: (r[1], r[2]) for r in rows}
    assert by_start[starts[-1]] == (3, {"like": 1, "view": 2})
    assert by_start[datetime(2026, 6, 1, 11, 57, tzinfo=timezone.utc)] == (1, {"view": 1})
    assert sum(r[1] for r in rows) == 4
    assert sum(1 for r in rows if r[1] == 0 and r[2] == {}) == 8

    hourly = activity(conn, "1 day", "1 hour")
    assert len(hourly) == 24 and sum(r[1] for r in hourly) == 5


@pytest.mark.parametrize(("window", "bucket", "sqlstate"), [
    ("1 hour", "0 seconds", "22023"),
    ("1 hour", "2 days", "22023"),
    ("1 minute", "1 hour", "22023"),    # window shorter than a bucket
    ("31 days", "1 day", "22023"),
    ("2 days", "1 minute", "22023"),    # 2880 buckets
    (None, "1 minute", "22004"),
])
def test_bad_windows_and_buckets(conn: psycopg.Connection, window: str | None, bucket: str, sqlstate: str) -> None:
    error = sqlstate_of(conn, lambda: activity(conn, window, bucket))
    assert error.sqlstate == sqlstate


def test_granted_to_the_admin_role_only(conn: psycopg.Connection) -> None:
    privileges = conn.execute(
        "SELECT has_function_privilege('pgrec_admin', 'rec.activity(interval, interval)', 'EXECUTE'), "
        "       has_function_privilege('pgrec_app', 'rec.activity(interval, interval)', 'EXECUTE')").fetchone()
    assert privileges == (True, False)
