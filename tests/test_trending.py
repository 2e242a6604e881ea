"""rec.trending and the trending list pgrec.trending."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.helpers import (NOW, ago, assert_ranked, at, item_ids, likes, query, refresh, sqlstate_of, track,
                           upsert_items, upsert_users)


FANS = [f"fan{k}" for k in range(6)]


def trending(conn, *args, **kwargs) -> list[tuple]:
    names = ", ".join([*["%s"] * len(args), *[f'"{k}" => %s' for k in kwargs]])
    return query(conn, f"SELECT item_id, score, reasons FROM rec.trending({names})", (*args, *kwargs.values()))


@pytest.fixture
def world(conn):
    at(conn)
    upsert_items(conn, [
        {"id": "burst", "created_at": ago(days=2)},
        # Same six likes as burst, but spread over a week: the same total is not a trend.
        {"id": "steady", "created_at": ago(days=365)},
        # Exactly burst's events, but the item is a year old: damped by age.
        {"id": "old_burst", "created_at": ago(days=365)},
        # As busy the day before as today: less of a trend than rising.
        {"id": "flat", "created_at": ago(days=3)},
        {"id": "rising", "created_at": ago(days=3)},
        {"id": "viewed", "created_at": ago(days=2)},
        {"id": "quiet", "created_at": ago(days=2)},
    ])
    events = likes("burst", FANS, ago(hours=6)) + likes("old_burst", FANS, ago(hours=6))
    events += [{"user_id": u, "item_id": "steady", "type": "like", "at": ago(days=k + 0.5)} for k, u in enumerate(FANS)]
    events += likes("flat", FANS[:3], ago(hours=5)) + likes("flat", FANS[3:], ago(hours=30))
    events += likes("rising", FANS[:3], ago(hours=5))
    events += likes("viewed", FANS, ago(hours=6), "view")
    events += likes("quiet", FANS, ago(days=10))
    track(conn, events)
    refresh(conn)
    return conn


def test_a_burst_trends_and_an_old_item_with_the_same_total_does_not(world) -> None:
    result = trending(world, 20)
    order = item_ids(result)
    assert order[0] == "burst"
    assert result[0][1] == 1.0  # scaled so the best item has 1
    assert order.index("burst") < order.index("old_burst") < order.index("steady")
    scores = {r[0]: r[1] for r in result}
    assert scores["steady"] < 0.1 < scores["old_burst"]
    assert "quiet" not in order  # nothing in the last 24 hours
    assert_ranked(result)


def test_velocity_compares_with_the_previous_window_and_likes_outweigh_views(world) -> None:
    order = item_ids(trending(world, 20))
    assert order.index("rising") < order.index("flat")
    assert order.index("burst") < order.index("viewed")
    reasons = {r[0]: r[2] for r in trending(world, 20)}
    assert reasons["rising"]["reasons"] == ["engagement 12 in the last 24 hours, none before"]
    assert reasons["burst"]["terms"] == {"trending": 1.0}


def test_the_matview_has_the_contract_columns_and_a_unique_index(world) -> None:
    columns = dict(query(world, "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                               "WHERE attrelid = 'pgrec.trending'::regclass AND attnum > 0"))
    assert columns["item_id"] == "bigint" and columns["score"] == "double precision"
    unique = query(world, "SELECT indexdef FROM pg_indexes WHERE schemaname = 'pgrec' AND tablename = 'trending' "
                         "AND indexdef LIKE 'CREATE UNIQUE INDEX%%'")
    assert unique and "(item_id)" in unique[0][0]
    top = query(world, "SELECT i.external_id, t.basis FROM pgrec.trending t JOIN pgrec.items i ON i.id = t.item_id "
                      "ORDER BY t.score DESC LIMIT 1")
    assert top == [("burst", "velocity")]


def test_default_window_reads_the_matview_until_refreshed_other_windows_are_live(world) -> None:
    upsert_items(world, [{"id": "fresh", "created_at": ago(hours=2)}])
    track(world, likes("fresh", [f"new{k}" for k in range(10)], ago(hours=1)))
    assert "fresh" not in item_ids(trending(world, 50))           # matview: as of the last refresh
    assert item_ids(trending(world, 1, 0, "23 hours")) == ["fresh"]  # computed on the spot
    refresh(world, "trending")
    assert item_ids(trending(world, 1)) == ["fresh"]


def test_a_short_window_sees_only_its_own_events(world) -> None:
    upsert_items(world, [{"id": "just_now", "created_at": ago(days=1)}])
    track(world, likes("just_now", ["x1"], ago(minutes=30)))
    result = trending(world, 20, 0, "2 hours")
    assert item_ids(result) == ["just_now"]
    assert result[0][2]["reasons"] == ["engagement 4 in the last 2 hours, none before"]


def test_falls_back_to_popularity_when_nothing_is_recent(conn) -> None:
    at(conn)
    upsert_items(conn, [{"id": "big", "created_at": ago(days=90)}, {"id": "small", "created_at": ago(days=90)}])
    track(conn, likes("big", FANS, ago(days=20)) + likes("small", FANS[:1], ago(days=20)))
    refresh(conn)
    result = trending(conn)
    assert item_ids(result) == ["big", "small"]
    assert result[0][2]["reasons"] == ["popular (nothing is trending right now)"]
    assert query(conn, "SELECT DISTINCT basis FROM pgrec.trending") == [("popularity",)]


def test_excludes_hidden_expired_and_future_items(world) -> None:
    upsert_items(world, [{"id": "burst", "status": "hidden"}, {"id": "old_burst", "expires_at": ago(hours=1)}])
    order = item_ids(trending(world, 50))
    assert "burst" not in order and "old_burst" not in order
    # Replayed before rising existed, it is not listed even though the matview holds it.
    at(world, NOW - timedelta(days=4))
    assert "rising" not in item_ids(trending(world, 50))


def test_tags_filter_matches_any_of_the_tags(world) -> None:
    upsert_items(world, [{"id": "rising", "tags": ["topic:wood"]}, {"id": "flat", "tags": ["topic:clay", "x"]}])
    assert item_ids(trending(world, 20, tags=["topic:wood"])) == ["rising"]
    assert item_ids(trending(world, 20, tags=["topic:wood", "topic:clay"])) == ["rising", "flat"]
    assert trending(world, 20, tags=["never-used"]) == []
    assert query(world, "SELECT count(*) FROM pgrec.tags WHERE value = 'never-used'") == [(0,)]


def test_a_user_gets_a_light_boost_within_the_trending_set(conn) -> None:
    at(conn)
    upsert_items(conn, [{"id": "top", "created_at": ago(days=1)},
                        {"id": "wood", "created_at": ago(days=1), "tags": ["topic:wood"]},
                        {"id": "cold_wood", "created_at": ago(days=1), "tags": ["topic:wood"]},
                        {"id": "spam", "created_at": ago(days=1), "tags": ["topic:spam"]}])
    track(conn, likes("top", FANS, ago(hours=3)) + likes("wood", FANS[:5], ago(hours=3))
          + likes("spam", FANS, ago(hours=3)))
    upsert_users(conn, [{"id": "carver", "preferences": {"preferred_tags": ["topic:wood"], "blocked_tags": ["topic:spam"]}},
                        {"id": "plain", "preferences": {"personalization": False, "preferred_tags": ["topic:wood"]}}])
    refresh(conn)
    assert item_ids(trending(conn)) == ["spam", "top", "wood"]
    personal = trending(conn, user_id="carver")
    assert item_ids(personal) == ["wood", "top"]  # spam blocked; cold_wood is not trending at all
    assert personal[0][2]["terms"]["tags"] > 0
    assert "matches your interest in wood" in personal[0][2]["reasons"]
    assert_ranked(personal)
    # Personalisation off, or a user pgrec does not know: the plain trending order.
    assert item_ids(trending(conn, user_id="plain")) == ["spam", "top", "wood"]
    assert item_ids(trending(conn, user_id="stranger")) == ["spam", "top", "wood"]


def test_paging_is_consistent(world) -> None:
    everything = item_ids(trending(world, 50))
    assert item_ids(trending(world, 2, 0)) + item_ids(trending(world, 2, 2)) + item_ids(trending(world, 50, 4)) == everything


def test_the_window_query_reads_the_window_s_partitions_through_the_brin_index(world) -> None:
    # Trending must read its two windows, not the history: the bounds on occurred_at have to
    # prune the monthly partitions outside them and be index conditions inside them, which the
    # BRIN index answers on a large partition. On tiny data the planner prefers other paths, so
    # the other ways to reach events are taken away for the length of this (rolled back) test.
    partitions = {r[0] for r in query(world, "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                                             "WHERE i.inhparent = 'pgrec.events'::regclass")}
    # The refresh of the world created the months around NOW (June 2026) and the ones ahead.
    assert {"events_p2026_05", "events_p2026_06", "events_p2026_07", "events_default"} <= partitions
    world.execute("SET LOCAL enable_seqscan = off")
    world.execute("DROP INDEX pgrec.events_item_time")
    world.execute("ALTER TABLE pgrec.events DROP CONSTRAINT events_user_time")
    # The function's own query (PL/pgSQL plans it with the argument values), explained with them.
    body = query(world, "SELECT pg_get_functiondef('rec._trending_scores'::regproc)")[0][0]
    window_query = body.split("RETURN QUERY", 1)[1].rsplit("END;", 1)[0].strip().rstrip(";")
    window_query = re.sub(r"\bp_as_of\b", "%(as_of)s::timestamptz", re.sub(r"\bp_window\b", "%(window)s::interval", window_query))
    plan = [r[0] for r in query(world, "EXPLAIN " + window_query, {"as_of": NOW, "window": "24 hours"})]
    assert not any("Seq Scan on events" in line for line in plan)
    # 48 hours before June 1st, 12:00 reach back into May; July and later are pruned.
    assert any("Bitmap Index Scan on events_p2026_06_occurred_at_idx" in line for line in plan)
    assert any("Bitmap Index Scan on events_p2026_05_occurred_at_idx" in line for line in plan)
    assert not any("events_p2026_07" in line for line in plan)
    assert any("Index Cond: ((occurred_at > " in line for line in plan)


@pytest.mark.parametrize("call, state", [
    ("rec.trending(0)", "22023"),
    ("rec.trending(501)", "22023"),
    ("rec.trending(10, -1)", "22023"),
    ("rec.trending(NULL)", "22004"),
    ("rec.trending(10, 0, NULL)", "22004"),
    ("rec.trending(10, 0, '10 minutes')", "22023"),
    ("rec.trending(10, 0, '31 days')", "22023"),
    ("rec.trending(10, 0, '1 day', '')", "22023"),
    ("rec.trending(10, 0, '1 day', NULL, ARRAY[''])", "22023"),
    ("rec.trending(10, 0, '1 day', NULL, ARRAY[NULL]::text[])", "22023"),
])
def test_bad_arguments(conn, call: str, state: str) -> None:
    error = sqlstate_of(conn, lambda: conn.execute(f"SELECT * FROM {call}").fetchall())
    assert error.diag.sqlstate == state
