"""rec.rank: a caller's own list ordered for a user by the feed pipeline (the caller's ids are
the candidates), with reasons; what cannot be ranked is reported after, unknown ids too."""

from __future__ import annotations

import math

import pytest

from tests.helpers import ago, at, feed, query, refresh, sqlstate_of, track, upsert_items, upsert_users


@pytest.fixture
def world(conn):
    at(conn)
    items = [{"id": f"i{k}", "title": f"Item {k}", "tags": [f"category:c{k % 3}", f"tool:t{k % 4}"]} for k in range(30)]
    items += [{"id": "gone", "title": "Hidden", "tags": ["category:c0"], "status": "hidden"},
              {"id": "blocked", "title": "Blocked", "tags": ["category:c0", "tool:nope"]}]
    upsert_items(conn, items)
    upsert_users(conn, [{"id": "ana", "preferences": {"preferred_tags": {"tool:t1": 2}, "blocked_tags": ["tool:nope"]}}])
    events = [{"user_id": f"u{u}", "item_id": f"i{(u + k) % 30}", "type": "like", "at": ago(hours=u + k)}
              for u in range(12) for k in range(4)]
    events += [{"user_id": "ana", "item_id": f"i{k}", "type": "like", "at": ago(hours=k)} for k in (1, 2, 5)]
    track(conn, events)
    refresh(conn)
    return conn


def rank(conn, user, ids, strategy=None, flt=None):
    args = "%s, %s" + (", strategy => %s" if strategy else "") + (", filter => %s::jsonb" if flt else "")
    params = [user, ids] + ([strategy] if strategy else []) + ([flt] if flt else [])
    return query(conn, f"SELECT item_id, score, reasons FROM rec.rank({args})", params)


def test_ranks_exactly_the_given_items_best_first(world) -> None:
    given = [f"i{k}" for k in (29, 3, 14, 7, 20, 11, 8)]
    result = rank(world, "ana", given)
    assert sorted(r[0] for r in result) == sorted(given)
    scores = [r[1] for r in result]
    assert scores == sorted(scores, reverse=True) and all(s is not None for s in scores)
    for item, score, reasons in result:
        assert math.isclose(sum(reasons["terms"].values()), score, abs_tol=1e-9)
        assert reasons["reasons"], item
    # An item the user declared an interest in (tool:t1) rises above one that shares nothing.
    order = [r[0] for r in result]
    assert order.index("i29") < order.index("i20")  # i29: tool:t1; i20: tool:t0, category:c2


def test_the_same_pipeline_as_the_feed(world) -> None:
    """Given the feed's own page, rank with the feed's strategy scores each item with the same
    terms (diversity aside, which depends on what else is in the list)."""
    page = feed(world, "ana", 10, strategy="default")
    ranked = {r[0]: r[2]["terms"] for r in rank(world, "ana", [p[0] for p in page], "default")}
    for item, _, reasons in page:
        expected = {k: v for k, v in reasons["terms"].items() if k != "diversity"}
        got = {k: v for k, v in ranked[item].items() if k != "diversity"}
        assert got.keys() == expected.keys()
        assert all(math.isclose(got[k], expected[k], abs_tol=1e-9) for k in got), item


def test_what_cannot_be_ranked_is_reported_after_in_the_order_given(world) -> None:
    result = rank(world, "ana", ["ghost-1", "i3", "gone", "i4", "blocked", "i3", "ghost-2", "i1"])
    # i1 is one of ana's likes: rank's own strategy leaves nothing out that the caller chose ...
    assert {r[0] for r in result[:3]} == {"i1", "i3", "i4"} and all(r[1] is not None for r in result[:3])
    assert [(r[0], r[1], r[2]["excluded"]) for r in result[3:]] == [
        ("gone", None, "not active (hidden)"), ("blocked", None, "blocked tag"),
        ("ghost-1", None, "unknown item"), ("ghost-2", None, "unknown item")]
    assert all(r[2].get("unknown") is (r[0].startswith("ghost") or None) for r in result[3:])
    # ... while the feed's default strategy keeps its exclusion policy.
    excluded = {r[0]: r[2].get("excluded") for r in rank(world, "ana", ["i1", "i4"], "default")}
    assert excluded == {"i4": None, "i1": "already acted on"}


def test_visitors_filters_and_strategies(world) -> None:
    visitor = rank(world, None, ["i1", "i2", "i3"])
    assert len(visitor) == 3 and all(r[1] is not None for r in visitor)
    filtered = rank(world, "ana", ["i1", "i2", "i3", "i4"], flt='{"tags_any": ["category:c1"]}')
    assert {r[0] for r in filtered if r[1] is not None} == {"i1", "i4"}
    assert {r[2]["excluded"] for r in filtered if r[1] is None} == {"filtered out (tags_any)"}
    assert [r[0] for r in rank(world, "ana", ["i1", "i2"], "popular")]  # any feed strategy
    assert rank(world, "ana", []) == []


def test_an_experiment_chooses_the_strategy_and_tags_the_rows(world) -> None:
    world.execute("""SELECT rec.upsert_experiment('{"name": "rank_ab", "variants": [
        {"name": "control", "strategy": "rank", "share": 0.5}, {"name": "other", "strategy": "explore", "share": 0.5}]}')""")
    result = rank(world, "ana", ["i1", "i2", "i3"], "experiment:rank_ab")
    assert {r[2]["experiment"] for r in result} == {"rank_ab"}


def test_a_thousand_ids_are_fine_and_more_are_not(world) -> None:
    ids = [f"i{k % 30}" if k % 10 == 0 else f"unknown-{k}" for k in range(1000)]
    result = rank(world, "ana", ids)
    assert len(result) == len(set(ids))
    for bad, state in [([f"x{k}" for k in range(1001)], "22023"), ([f"x{k}" for k in range(10_000)], "22023"),
                       (None, "22004"), (["i1", None], "22004"), (["i1", ""], "22023"), (["x" * 201], "22023")]:
        error = sqlstate_of(world, lambda: rank(world, "ana", bad))
        assert error.sqlstate == state, bad
        assert error.diag.message_primary.startswith("item_ids"), error.diag.message_primary
    assert sqlstate_of(world, lambda: rank(world, "ana", ["i1"], "no-such")).sqlstate == "22023"
    assert sqlstate_of(world, lambda: rank(world, "", ["i1"])).sqlstate == "22023"
