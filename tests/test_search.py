"""rec.search: keywords, meaning, their fusion, personalisation, validation."""

from __future__ import annotations

import pytest

from tests.helpers import ago, assert_ranked, at, embed, item_ids, query, sqlstate_of, upsert_items, upsert_users, vec


def search(conn, text, n=20, user=None, embedding=None) -> list[tuple]:
    return query(conn, "SELECT item_id, score, reasons FROM rec.search(%s, %s, %s, %s::public.vector)",
                 (text, n, user, embedding))


@pytest.fixture
def world(conn):
    at(conn)
    created = ago(days=5)
    upsert_items(conn, [
        {"id": "dovetail", "title": "Dovetail joints by hand", "description": "Saw and chisel practice.",
         "tags": ["topic:wood"], "created_at": created},
        {"id": "box", "title": "A small keepsake box", "description": "Cut dovetail joints for a wooden box.",
         "tags": ["topic:craft"], "created_at": created},
        {"id": "pasta", "title": "Fresh pasta", "description": "Flour, eggs and a rolling pin.", "created_at": created},
        {"id": "ramen", "title": "Broth basics", "description": "Slow stock for soups.", "created_at": created},
        {"id": "hidden", "title": "Dovetail joints, hidden", "status": "hidden", "created_at": created},
        {"id": "later", "title": "Dovetail joints tomorrow", "created_at": ago(hours=-30)},
    ])
    embed(conn, "pasta", vec(d0=1))
    embed(conn, "ramen", vec(d0=1, d1=0.6))
    embed(conn, "dovetail", vec(d2=1))
    embed(conn, "box", vec(d2=1, d3=0.2))
    embed(conn, "hidden", vec(d0=1))
    return conn


def test_finds_by_words_title_first(world) -> None:
    result = search(world, "dovetail joints")
    assert item_ids(result) == ["dovetail", "box"]
    assert result[0][2]["reasons"] == ['matches "dovetail joints"']
    # Keyword matches are valued by rank, 61 / (60 + rank): the best 1, the second 61/62.
    assert [r[2]["terms"]["keyword"] for r in result] == [pytest.approx(1), pytest.approx(61 / 62)]
    assert_ranked(result)


def test_websearch_syntax(world) -> None:
    assert item_ids(search(world, '"dovetail joints" -keepsake')) == ["dovetail"]
    assert item_ids(search(world, "keepsake or pasta")) == ["box", "pasta"]  # equal text rank: id order


def test_finds_by_meaning_with_a_query_vector(world) -> None:
    # "noodles" appears nowhere in the text; the query embedding is close to pasta and ramen.
    result = search(world, "noodles", embedding=vec(d0=1, d1=0.1))
    assert item_ids(result) == ["pasta", "ramen"]  # hidden is as close, but hidden
    assert result[0][2]["terms"] == {"vector": pytest.approx(1 / 1.01 ** 0.5)}  # cosine similarity
    assert "close in meaning" in result[0][2]["reasons"]


def test_fusion_puts_items_found_both_ways_first(world) -> None:
    # Words rank dovetail above box; the vector ranks box first. Both lists agree on them
    # against pasta (vector only).
    result = search(world, "dovetail", embedding=vec(d2=1, d3=0.3, d0=0.2))
    order = item_ids(result)
    assert set(order[:2]) == {"dovetail", "box"}
    assert order.index("box") < order.index("pasta")
    top = result[0][2]
    assert set(top["terms"]) == {"keyword", "vector"}
    assert result[0][1] == pytest.approx(sum(top["terms"].values()))


def test_a_user_interest_reorders_and_blocked_tags_are_excluded(world) -> None:
    upsert_users(world, [{"id": "crafter", "preferences": {"preferred_tags": ["topic:craft"]}},
                         {"id": "no_wood", "preferences": {"blocked_tags": ["topic:wood"]}}])
    assert item_ids(search(world, "dovetail joints", user="crafter")) == ["box", "dovetail"]
    result = search(world, "dovetail joints", user="crafter")
    assert result[0][2]["terms"]["tags"] > 0 and "matches your interest in craft" in result[0][2]["reasons"]
    assert item_ids(search(world, "dovetail joints", user="no_wood")) == ["box"]


def test_only_stop_words_without_vector_find_nothing(world) -> None:
    assert search(world, "the and of") == []


@pytest.mark.parametrize("query, state", [("", "22023"), ("   ", "22023"), ("\t\n", "22023"), (None, "22004"),
                                          ("x" * 1001, "22023")])
def test_empty_or_missing_query_is_rejected(conn, query, state: str) -> None:
    assert sqlstate_of(conn, lambda: search(conn, query)).diag.sqlstate == state


def test_wrong_embedding_dimension_and_bad_n(conn) -> None:
    assert sqlstate_of(conn, lambda: search(conn, "x", embedding="[1,2,3]")).diag.sqlstate == "22023"
    assert sqlstate_of(conn, lambda: search(conn, "x", 0)).diag.sqlstate == "22023"
