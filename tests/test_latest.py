"""rec.latest (issue 4): newest first, popularity as tie-break."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.support import refresh, sqlstate_of
from tests.test_feeds_support import ago, at_now, ids, likes, rows, track, upsert_items


def latest(conn, *args) -> list[tuple]:
    return rows(conn, f"SELECT item_id, score, reasons FROM rec.latest({', '.join(['%s'] * len(args))})", args)


@pytest.fixture
def world(conn):
    at_now(conn)
    same = ago(days=3)
    upsert_items(conn, [
        {"id": "newest", "created_at": ago(hours=1), "tags": ["topic:wood"]},
        {"id": "b_same", "created_at": same},
        {"id": "a_same", "created_at": same, "tags": ["topic:wood"]},
        {"id": "c_same_popular", "created_at": same},
        {"id": "oldest", "created_at": ago(days=300)},
        {"id": "hidden", "created_at": ago(hours=2), "status": "hidden"},
        {"id": "archived", "created_at": ago(hours=2), "status": "archived"},
        {"id": "expired", "created_at": ago(hours=2), "expires_at": ago(hours=1)},
        {"id": "future", "created_at": ago(hours=-5)},
    ])
    track(conn, likes("c_same_popular", ["u1", "u2"], ago(hours=3)))
    refresh(conn, "stats")
    return conn


def test_newest_first_popularity_then_id_break_ties(world) -> None:
    result = latest(world, 10)
    assert ids(result) == ["newest", "c_same_popular", "a_same", "b_same", "oldest"]
    scores = [r[1] for r in result]
    assert scores == sorted(scores, reverse=True)
    assert scores[1] == scores[2] == scores[3]  # same creation time: popularity, then id decide
    assert result[0][2]["reasons"][:2] == ["new", "added 1 hours ago"]
    assert result[1][2]["tie_break"]["engagement"] > 0


def test_paging_and_tags(world) -> None:
    assert ids(latest(world, 2, 1)) == ["c_same_popular", "a_same"]
    assert ids(latest(world, 10, 0, ["topic:wood"])) == ["newest", "a_same"]
    assert latest(world, 10, 0, ["topic:none"]) == []


def test_replay_sees_only_what_existed(world) -> None:
    at_now(world, datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert ids(latest(world, 10)) == ["oldest"]


@pytest.mark.parametrize("call, state", [
    ("rec.latest(0)", "22023"), ("rec.latest(20, 10001)", "22023"), ("rec.latest(20, NULL)", "22004"),
    ("rec.latest(20, 0, ARRAY[' '])", "22023"),
])
def test_bad_arguments(conn, call: str, state: str) -> None:
    assert sqlstate_of(conn, lambda: conn.execute(f"SELECT * FROM {call}").fetchall()).diag.sqlstate == state
