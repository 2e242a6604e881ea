"""rec.user_stats: counts, streaks, first and last activity."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.helpers import NOW, at, sqlstate_of, track, upsert_items


def stats(conn, user) -> dict:
    cursor = conn.execute("SELECT * FROM rec.user_stats(%s)", (user,))
    names = [c.name for c in cursor.description]
    result = cursor.fetchall()
    assert len(result) == 1
    return dict(zip(names, result[0]))


def day(offset: int, hour: int = 12) -> str:
    """A time `offset` days before NOW's day (0 = today), at the given UTC hour."""
    return (NOW.replace(hour=hour) - timedelta(days=offset)).isoformat()


@pytest.fixture
def world(conn):
    conn.execute("SET LOCAL TimeZone = 'UTC'")
    at(conn)
    upsert_items(conn, [{"id": "a"}, {"id": "b"}])
    return conn


def test_counts_streaks_and_bounds(world) -> None:
    # Active 10, 9, 8 days ago (a 3-day streak), then 5 days ago, then yesterday and today.
    offsets = [10, 9, 8, 5, 1, 0]
    events = [{"user_id": "ana", "item_id": "a", "type": "view", "at": day(k, 9)} for k in offsets]
    events += [{"user_id": "ana", "item_id": "b", "type": "like", "at": day(0, 10)},
               {"user_id": "ana", "item_id": "b", "type": "rate", "value": 5, "at": day(9, 11)}]
    track(world, events)
    s = stats(world, "ana")
    assert s["user_id"] == "ana" and s["events"] == 8
    assert s["by_type"] == {"view": 6, "like": 1, "rate": 1}
    assert (s["active_days"], s["current_streak"], s["longest_streak"]) == (6, 2, 3)
    assert s["first_at"] == datetime.fromisoformat(day(10, 9)) and s["last_at"] == datetime.fromisoformat(day(0, 10))


def test_a_streak_survives_until_the_day_is_over(world) -> None:
    track(world, [{"user_id": "ben", "item_id": "a", "type": "view", "at": day(k)} for k in (1, 2, 3)])
    assert stats(world, "ben")["current_streak"] == 3  # yesterday counts: today is not over
    at(world, NOW + timedelta(days=1))
    assert stats(world, "ben")["current_streak"] == 0  # a whole day missed
    assert stats(world, "ben")["longest_streak"] == 3


def test_replay_ignores_later_events(world) -> None:
    track(world, [{"user_id": "cy", "item_id": "a", "type": "view", "at": day(k)} for k in (0, 3)])
    at(world, NOW - timedelta(days=2))
    s = stats(world, "cy")
    assert s["events"] == 1 and s["last_at"] == datetime.fromisoformat(day(3))


def test_days_follow_the_session_time_zone(world) -> None:
    # 23:30 and 00:30 UTC are one calendar day apart in UTC, the same day in New York.
    track(world, [{"user_id": "dee", "item_id": "a", "type": "view", "at": day(3, 23).replace("23:00", "23:30")},
                  {"user_id": "dee", "item_id": "a", "type": "view", "at": day(2, 0).replace("00:00", "00:30")}])
    assert stats(world, "dee")["active_days"] == 2
    world.execute("SET LOCAL TimeZone = 'America/New_York'")
    assert stats(world, "dee")["active_days"] == 1


def test_unknown_user_gets_zeros_and_bad_ids_are_rejected(world) -> None:
    s = stats(world, "nobody")
    assert s == {"user_id": "nobody", "events": 0, "by_type": {}, "active_days": 0, "current_streak": 0,
                 "longest_streak": 0, "first_at": None, "last_at": None}
    assert sqlstate_of(world, lambda: stats(world, None)).diag.sqlstate == "22004"
    assert sqlstate_of(world, lambda: stats(world, "")).diag.sqlstate == "22023"
