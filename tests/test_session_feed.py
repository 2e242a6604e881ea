"""rec.session_feed: anonymous sessions."""

from __future__ import annotations

import pytest

from tests.helpers import (ago, assert_ranked, at, embed, item_ids, likes, query, refresh, sqlstate_of, track,
                           upsert_items, vec)



def session(conn, items, n=20) -> list[tuple]:
    return query(conn, "SELECT item_id, score, reasons FROM rec.session_feed(%s, %s)", (items, n))


@pytest.fixture
def world(conn):
    at(conn)
    created = ago(days=20)
    upsert_items(conn, [
        {"id": "tent", "tags": ["topic:camping"], "created_at": created},
        {"id": "stove", "tags": ["topic:camping", "topic:cooking"], "created_at": created},
        {"id": "lamp", "tags": ["topic:camping"], "created_at": created},
        {"id": "novel", "tags": ["topic:books"], "created_at": created},
        {"id": "poetry", "tags": ["topic:books"], "created_at": created},
        {"id": "hidden_stove", "tags": ["topic:camping"], "status": "hidden", "created_at": created},
    ])
    campers = [f"camper{k}" for k in range(4)]
    readers = [f"reader{k}" for k in range(4)]
    track(conn, likes("tent", campers, ago(days=3)) + likes("stove", campers, ago(days=3, hours=-1))
          + likes("hidden_stove", campers, ago(days=3, hours=-2))
          + likes("novel", readers, ago(days=2)) + likes("poetry", readers, ago(days=2, hours=-1)))
    refresh(conn)
    return conn


def test_recommends_from_what_was_viewed_and_never_the_session_itself(world) -> None:
    result = session(world, ["tent"])
    order = item_ids(result)
    assert order[0] == "stove"
    assert order.index("lamp") < order.index("novel")  # shares the camping tag
    assert "tent" not in order and "hidden_stove" not in order
    assert_ranked(result)
    assert "people who viewed these also liked this" in result[0][2]["reasons"]


def test_the_latest_item_of_the_session_weighs_most(world) -> None:
    assert item_ids(session(world, ["tent", "novel"]))[0] == "poetry"
    assert item_ids(session(world, ["novel", "tent"]))[0] == "stove"


def test_embeddings_add_a_content_term(world) -> None:
    embed(world, "tent", vec(d0=1))
    embed(world, "poetry", vec(d0=1, d1=0.1))
    embed(world, "stove", vec(d1=1))
    result = {r[0]: r[2]["terms"] for r in session(world, ["tent"])}
    assert result["poetry"]["vector"] > 0.2 and result["stove"]["vector"] == 0


def test_unknown_ids_are_ignored_and_an_empty_session_gets_trending(world) -> None:
    assert item_ids(session(world, ["ghost", "tent"]))[0] == "stove"
    trending = query(world, "SELECT item_id FROM rec.trending(5)")
    assert [r[0] for r in trending]
    assert item_ids(session(world, [], 5)) == [r[0] for r in trending]
    assert item_ids(session(world, ["ghost"], 5)) == [r[0] for r in trending]


@pytest.mark.parametrize("items, n, state", [
    (None, 20, "22004"), (["a", None], 20, "22004"), ([f"i{k}" for k in range(101)], 20, "22023"), (["a"], 0, "22023"),
])
def test_bad_arguments(conn, items, n, state: str) -> None:
    assert sqlstate_of(conn, lambda: session(conn, items, n)).diag.sqlstate == state
