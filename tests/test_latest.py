"""rec.latest: newest first, popularity as tie-break."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.helpers import ago, at, item_ids, likes, query, refresh, sqlstate_of, track, upsert_items


def latest(conn, *args) -> list[tuple]:
    return query(conn, f"SELECT item_id, score, reasons FROM rec.latest({', '.join(['%s'] * len(args))})", args)


@pytest.fixture
def world(conn):
    at(conn)
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
    assert item_ids(result) == ["newest", "c_same_popular", "a_same", "b_same", "oldest"]
    scores = [r[1] for r in result]
    assert scores == sorted(scores, reverse=True)
    assert scores[1] == scores[2] == scores[3]  # same creation time: popularity, then id decide
    assert result[0][2]["reasons"] == ["added an hour ago"]
    assert set(result[1][2]["terms"]) == {"recency"}  # engagement orders ties without being a term


def test_paging_and_tags(world) -> None:
    assert item_ids(latest(world, 2, 1)) == ["c_same_popular", "a_same"]
    assert item_ids(latest(world, 10, 0, ["topic:wood"])) == ["newest", "a_same"]
    assert latest(world, 10, 0, ["topic:none"]) == []


def test_replay_sees_only_what_existed(world) -> None:
    at(world, datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert item_ids(latest(world, 10)) == ["oldest"]


@pytest.mark.parametrize("call, state", [
    ("rec.latest(0)", "22023"), ("rec.latest(20, 10001)", "22023"), ("rec.latest(20, NULL)", "22004"),
    ("rec.latest(20, 0, ARRAY[' '])", "22023"),
])
def test_bad_arguments(conn, call: str, state: str) -> None:
    assert sqlstate_of(conn, lambda: conn.execute(f"SELECT * FROM {call}").fetchall()).diag.sqlstate == state
