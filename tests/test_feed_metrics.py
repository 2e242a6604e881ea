"""Monitoring the feeds in SQL: rec.feed_metrics (CTR, apply and save rates, coverage of
personalised users, items shown) from the impressions the feeds served, and
rec.score_distribution (the scores of a sample of users' feeds)."""

from __future__ import annotations

import pytest

from tests.helpers import at, call, refresh, sqlstate_of


def log(conn, request: str, user: str, items: list[str], strategy: str | None, when: str) -> None:
    at(conn, when)
    conn.execute("SELECT rec.log_impressions(%s, %s, %s, strategy => %s)", (request, user, items, strategy))


def metrics(conn, window: str = "7 days") -> dict:
    rows = conn.execute("SELECT * FROM rec.feed_metrics(%s)", (window,)).fetchall()
    names = [c.name for c in conn.execute("SELECT * FROM rec.feed_metrics('1 hour') LIMIT 0").description]
    return {("total" if r[1] else r[0]): dict(zip(names, r)) for r in rows}


@pytest.fixture
def served(conn):
    """Ten listings; `pat` (personal: ten events) and `new` (two events, below every threshold)
    were served pages by marketplace and popular; what they did next is below."""
    at(conn)
    call(conn, "upsert_items", [{"id": f"l{k}", "title": f"Listing {k}", "tags": ["category:jobs"],
                                "created_at": "2026-05-01T00:00:00Z"} for k in range(10)])
    call(conn, "track", [{"user_id": "pat", "item_id": f"l{k}", "type": "view", "at": "2026-05-20T00:00:00Z"}
                         for k in range(10)])
    call(conn, "track", [{"user_id": "new", "item_id": "l9", "type": "view", "at": "2026-05-20T00:00:00Z"},
                         {"user_id": "new", "item_id": "l8", "type": "view", "at": "2026-05-20T00:00:00Z"}])
    log(conn, "r1", "pat", ["l0", "l1", "l2", "l3"], "marketplace", "2026-05-31T10:00:00Z")
    log(conn, "r2", "new", ["l0", "l1", "l2", "l3"], "marketplace", "2026-05-31T10:00:00Z")
    log(conn, "r3", "pat", ["l4", "l5"], "popular", "2026-05-31T11:00:00Z")
    at(conn)
    call(conn, "track", [
        {"user_id": "pat", "item_id": "l0", "type": "apply", "at": "2026-05-31T10:05:00Z"},
        {"user_id": "pat", "item_id": "l0", "type": "save", "at": "2026-05-31T10:06:00Z"},   # the same impression
        {"user_id": "pat", "item_id": "l1", "type": "click", "at": "2026-05-31T10:10:00Z"},
        {"user_id": "new", "item_id": "l2", "type": "save", "at": "2026-05-31T12:00:00Z"},
        {"user_id": "new", "item_id": "l3", "type": "view", "at": "2026-05-31T12:00:00Z"},   # a view is no click
        {"user_id": "pat", "item_id": "l4", "type": "like", "at": "2026-06-01T11:30:00Z"},   # past the attribution
    ])
    return conn


def test_ctr_apply_and_save_rates_and_coverage_per_strategy_and_in_total(served) -> None:
    m = metrics(served)
    market, popular, total = m["marketplace"], m["popular"], m["total"]
    assert (market["impressions"], market["users"], market["clicks"], market["applies"], market["saves"]) == (8, 2, 3, 1, 2)
    assert market["ctr"] == pytest.approx(3 / 8) and market["apply_rate"] == pytest.approx(1 / 8)
    assert market["save_rate"] == pytest.approx(2 / 8)
    # pat has enough data for a personal strategy, `new` does not; popular personalises nobody.
    assert market["personalized_users"] == 1 and market["coverage"] == pytest.approx(0.5)
    assert popular["impressions"] == 2 and popular["clicks"] == 0 and popular["personalized_users"] == 0
    assert (total["impressions"], total["users"], total["clicks"], total["items_shown"]) == (10, 2, 3, 6)
    assert total["coverage"] == pytest.approx(0.5) and total["catalogue_coverage"] == pytest.approx(0.6)
    # A longer attribution window also counts pat's late like; a window without impressions is all zeros.
    late = {r[0]: r for r in served.execute("SELECT strategy, clicks FROM rec.feed_metrics('7 days', '2 days')")}
    assert late["popular"][1] == 1
    empty = metrics(served, "1 hour")
    assert list(empty) == ["total"] and empty["total"]["impressions"] == 0 and empty["total"]["ctr"] is None


def test_a_later_impression_of_the_same_item_takes_the_event(served) -> None:
    log(served, "r4", "new", ["l2"], "default", "2026-05-31T11:30:00Z")
    at(served)
    m = metrics(served)
    # new's save of l2 (12:00) belongs to the 11:30 page of default, not the 10:00 marketplace one.
    assert m["marketplace"]["saves"] == 1 and m["default"]["saves"] == 1 and m["total"]["saves"] == 2


@pytest.mark.parametrize("args, sqlstate", [
    ("NULL", "22004"), ("'30 minutes'", "22023"), ("'2 years'", "22023"), ("'infinity'", "22023"),
    ("'7 days', '0'", "22023"), ("'7 days', '31 days'", "22023"), ("'7 days', NULL", "22004"),
])
def test_bad_windows_are_refused(conn, args, sqlstate) -> None:
    error = sqlstate_of(conn, lambda: conn.execute(f"SELECT * FROM rec.feed_metrics({args})").fetchall())
    assert error.diag.sqlstate == sqlstate


def test_score_distribution_of_a_sample_of_feeds(served) -> None:
    refresh(served)
    d = served.execute("SELECT rec.score_distribution('marketplace', 10, 5, 4)").fetchone()[0]
    # pat and new were served (and are the only users). pat has seen every listing, which the
    # marketplace leaves out; new gets a page of five.
    assert d["users"] == 2 and d["rows"] == 5
    assert d["personalized_users"] == 1 and d["coverage"] == pytest.approx(0.5)
    assert d["min"] <= d["p10"] <= d["p50"] <= d["p90"] <= d["max"]
    assert len(d["histogram"]) == 4 and sum(b["rows"] for b in d["histogram"]) == d["rows"]
    assert d["histogram"][0]["lower"] == pytest.approx(d["min"]) and d["histogram"][-1]["upper"] == pytest.approx(d["max"])
    positions = [p["position"] for p in d["by_position"]]
    assert positions == sorted(positions) and positions[0] == 1
    assert d["by_position"][0]["p50"] >= d["by_position"][-1]["p50"]  # scores fall down the page
    error = sqlstate_of(served, lambda: served.execute("SELECT rec.score_distribution('nope')"))
    assert error.diag.sqlstate == "22023"
    for bad in ("NULL, 0", "NULL, 201", "NULL, 5, 0", "NULL, 5, 5, 51", "NULL, NULL"):
        assert sqlstate_of(served, lambda: served.execute(f"SELECT rec.score_distribution({bad})")).diag.sqlstate[:2] == "22"
