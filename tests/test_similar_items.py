"""rec.similar_items: embedding, neighbours and tag Jaccard; exclusions."""

from __future__ import annotations

import pytest

from tests.helpers import (ago, assert_ranked, at, embed, item_ids, likes, query, refresh, sqlstate_of, track,
                           upsert_items, vec)



def similar(conn, item: str, n: int = 20, user: str | None = None) -> list[tuple]:
    return query(conn, "SELECT item_id, score, reasons FROM rec.similar_items(%s, %s, %s)", (item, n, user))


@pytest.fixture
def world(conn):
    at(conn)
    created = ago(days=10)
    upsert_items(conn, [
        {"id": "src", "title": "Dovetail joints", "tags": ["topic:wood", "tool:chisel"], "created_at": created},
        {"id": "twin", "tags": ["topic:clay"], "created_at": created},         # same meaning, other tags
        {"id": "cousin", "tags": ["topic:clay"], "created_at": created},       # somewhat close in meaning
        {"id": "tagmate", "tags": ["topic:wood", "tool:chisel"], "created_at": created},  # same tags only
        {"id": "halfmate", "tags": ["topic:wood", "tool:saw"], "created_at": created},
        {"id": "cobought", "tags": ["topic:paint"], "created_at": created},    # liked by the same people
        {"id": "far", "tags": ["topic:paint"], "created_at": created},
        {"id": "hidden_twin", "status": "hidden", "created_at": created},
    ])
    embed(conn, "src", vec(d0=1))
    embed(conn, "twin", vec(d0=1, d1=0.05))
    embed(conn, "hidden_twin", vec(d0=1))
    embed(conn, "cousin", vec(d0=1, d1=1))
    embed(conn, "far", vec(d2=1))
    fans = [f"fan{k}" for k in range(4)]
    track(conn, likes("src", fans, ago(days=2)) + likes("cobought", fans, ago(days=2)))
    refresh(conn)
    return conn


def test_blends_embedding_neighbours_and_tags(world) -> None:
    result = similar(world, "src")
    order = item_ids(result)
    assert order[0] == "twin"                    # near-identical embedding
    assert "cobought" in order[:3]               # collaborative neighbour
    assert order.index("tagmate") < order.index("halfmate")  # Jaccard 1 vs 1/3
    assert "cousin" in order and "far" not in order  # orthogonal and unrelated: not similar at all
    assert "src" not in order and "hidden_twin" not in order
    assert_ranked(result)
    terms = {r[0]: r[2]["terms"] for r in result}
    assert set(terms["twin"]) == {"vector", "collaborative", "tags"}
    assert terms["twin"]["vector"] > 0.49 and terms["tagmate"]["tags"] == pytest.approx(0.2)
    reasons = {r[0]: r[2]["reasons"] for r in result}
    assert "people who liked Dovetail joints also liked this" in reasons["cobought"]


def test_without_embedding_the_other_terms_are_renormalised(world) -> None:
    world.execute("UPDATE pgrec.items SET embedding = NULL WHERE external_id = 'src'")
    result = similar(world, "src")
    assert item_ids(result)[:2] in (["cobought", "tagmate"], ["tagmate", "cobought"])
    assert all("vector" not in r[2]["terms"] for r in result)
    # collaborative 0.3 and tags 0.2 renormalised to 0.6 and 0.4
    assert {r[0]: r[1] for r in result}["tagmate"] == pytest.approx(0.4)


def test_with_a_user_excludes_what_they_touched_and_made(world) -> None:
    upsert_items(world, [{"id": "twin", "creator_id": "maker"}])
    track(world, [{"user_id": "reader", "item_id": "cobought", "type": "view", "at": ago(hours=1)}])
    assert "cobought" not in item_ids(similar(world, "src", 20, "reader"))
    assert "cobought" in item_ids(similar(world, "src", 20, "someone-new"))
    assert "twin" not in item_ids(similar(world, "src", 20, "maker"))


def test_n_limits(world) -> None:
    assert len(similar(world, "src", 2)) == 2


def test_unknown_item_and_bad_arguments(conn) -> None:
    assert sqlstate_of(conn, lambda: similar(conn, "nope")).diag.sqlstate == "P0002"
    assert sqlstate_of(conn, lambda: similar(conn, None)).diag.sqlstate == "22004"
    upsert_items(conn, [{"id": "x"}])
    assert sqlstate_of(conn, lambda: similar(conn, "x", 0)).diag.sqlstate == "22023"
    assert sqlstate_of(conn, lambda: similar(conn, "x", 5, "")).diag.sqlstate == "22023"
    assert similar(conn, "x") == []  # nothing known about x: nothing is similar
