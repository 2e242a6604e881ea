"""The hybrid feed as a whole: strategies and weight overrides, graceful degradation,
diversity, pagination, cold start and opt-out, explanations, business rules, real time."""

from __future__ import annotations

import json
import math

import psycopg
import pytest

from tests.helpers import (at, before, call, embed, explain, feed, feed_ids, refresh, sqlstate_of, status, vec)


OLD = "2026-04-01T00:00:00Z"


@pytest.fixture
def world(conn):
    """Two communities of 6 users each plus a few photo items; `fan` liked three design items."""
    at(conn)
    items = [{"id": f"d{k}", "title": f"Design piece {k}", "tags": ["category:design", f"topic:d{k % 3}"],
              "creator_id": "ana", "created_at": OLD} for k in range(8)]
    items += [{"id": f"m{k}", "title": f"Music piece {k}", "tags": ["category:music"], "creator_id": "bob",
               "created_at": OLD} for k in range(8)]
    items += [{"id": f"p{k}", "title": f"Photo {k}", "tags": ["category:photo"], "created_at": OLD} for k in range(4)]
    call(conn, "upsert_items", items)
    events = []
    for u in range(6):
        events += [{"user_id": f"dz{u}", "item_id": f"d{k}", "type": "like", "at": "2026-05-10T00:00:00Z"} for k in range(8)]
        events += [{"user_id": f"mz{u}", "item_id": f"m{k}", "type": "like", "at": "2026-05-10T00:00:00Z"} for k in range(8)]
    events += [{"user_id": "fan", "item_id": f"d{k}", "type": "like", "at": "2026-05-30T00:00:00Z"} for k in range(3)]
    events += [{"user_id": "pz", "item_id": f"p{k}", "type": "view", "at": "2026-05-10T00:00:00Z"} for k in range(4)]
    events += [{"user_id": "fan", "item_id": "m7", "type": "view", "at": f"2026-05-2{k}T00:00:00Z"} for k in range(8)]
    call(conn, "track", events)
    refresh(conn)
    return conn


# --- strategies and weights ------------------------------------------------------------------

def test_strategies_are_listed_with_the_presets_of_the_issue(conn) -> None:
    listed = {r[0]: r for r in conn.execute("SELECT * FROM rec.strategies()").fetchall()}
    assert {"default", "explore", "marketplace", "cold_start", "popular"} <= set(listed)
    assert listed["explore"][3] == {"vector": 0.30, "explicit": 0.25, "behavioral": 0.25, "collaborative": 0.15,
                                    "popularity": 0.05}
    assert listed["explore"][4]["diversity_penalty"] == 0.02 and listed["explore"][4]["cold_start"] == "explore_cold"
    # The product's seven signals, plus the seeker's pay range (active only when they gave one).
    assert listed["marketplace"][3] == {"location": 0.25, "tags": 0.20, "engagement": 0.15, "recency": 0.10,
                                        "creator": 0.10, "collaborative": 0.10, "vector": 0.10, "price": 0.10}
    assert listed["marketplace"][4]["recency_tau_days"] == 10 and listed["marketplace"][4]["recency_new_boost"] == 1.5
    assert listed["marketplace"][4]["distance_limit_km"] == 100 and listed["explore"][4]["distance_limit_km"] is None
    assert {"explore_new": "latest", "explore_trending": "trending", "marketplace_trending": "trending",
            "marketplace_nearby": "nearby", "marketplace_similar": "similar"}.items() <= {
        name: row[5] for name, row in listed.items()}.items()
    assert listed["default"][4]["diversity_penalty"] == 0.02


def test_terms_add_up_to_the_score_and_weights_renormalise(world) -> None:
    for strategy in ("default", "explore", "marketplace"):
        for item, score, reasons in feed(world, "fan", 10, strategy=strategy):
            assert sum(reasons["terms"].values()) == pytest.approx(score, abs=1e-9), (strategy, item)
    weights = explain(world, "fan", "d5")["weights"]
    # fan has no vector, no location, no price range: those drop out, the rest sum to 1.
    assert "vector" not in weights and "location" not in weights and "price" not in weights
    assert sum(weights.values()) == pytest.approx(1.0)


def test_a_weights_override_replaces_the_strategy_weights(world) -> None:
    by_collab = feed_ids(world, "fan", weights={"collaborative": 1})
    assert by_collab[:5] == sorted(by_collab[:5], key=lambda i: (i[0] != "d", i))[:5]  # design first
    only = feed(world, "fan", 3, weights={"engagement": 2, "recency": 2})
    assert set(only[0][2]["terms"]) <= {"engagement", "recency", "diversity"}
    assert explain(world, "fan", "d5")["weights_from"] == "default"


@pytest.mark.parametrize("weights, sqlstate", [
    ({"colaborative": 1}, "22023"),            # typo: unknown signal
    ({"vector": -1}, "22023"),                 # negative
    ({"vector": "high"}, "22023"),             # not a number
    ({"vector": 0, "recency": 0}, "22023"),    # nothing weighs
    ({"vector": 1, "content": 1}, "22023"),    # the same signal twice (name and alias)
    ([1, 2], "22023"),                         # not an object
])
def test_bad_weight_overrides_are_rejected(conn, weights, sqlstate) -> None:
    error = sqlstate_of(conn, lambda: conn.execute("SELECT * FROM rec.feed('u', 10, 0, 'default', %s)",
                                                   (json.dumps(weights),)).fetchall())
    assert error.diag.sqlstate == sqlstate


@pytest.mark.parametrize("weights", ['{"colaborative": 1}', '{"vector": "high"}', '{"vector": -1}', '{"vector": 1001}'])
def test_a_strategy_with_bad_weights_cannot_be_stored(conn, weights: str) -> None:
    # A DBA's typo fails on UPDATE (the constraint), not later in every feed.
    error = sqlstate_of(conn, lambda: conn.execute("UPDATE pgrec.strategies SET weights = %s WHERE name = 'default'", (weights,)))
    assert error.diag.sqlstate == "23514"
    conn.execute("""UPDATE pgrec.strategies SET weights = '{"vector": 2, "collaborative": 1}' WHERE name = 'default'""")


def test_the_weight_check_knows_exactly_the_signal_vocabulary(conn) -> None:
    signals = [r[0] for r in conn.execute("SELECT signal FROM pgrec.feed_signals")]
    fields = [r[0] for r in conn.execute("SELECT attname FROM pg_attribute WHERE attrelid = 'rec.signals'::regclass AND attnum > 0")]
    assert set(signals) == set(fields)
    every = "{" + ", ".join(f'"{s}": 1' for s in signals) + "}"
    assert conn.execute("SELECT pgrec.strategy_weights_are_valid(%s::jsonb)", (every,)).fetchone()[0] is True
    # The reasons unpivot the values field by field: every field, under its own name.
    ordered = [r[0] for r in conn.execute("SELECT attname FROM pg_attribute WHERE attrelid = 'rec.signals'::regclass "
                                          "AND attnum > 0 ORDER BY attnum")]
    row = "ROW(" + ", ".join(str(k + 1) for k in range(len(ordered))) + ")::rec.signals"
    unpivoted = conn.execute(f"SELECT signal, value FROM rec._signal_values({row})").fetchall()
    assert unpivoted == [(name, k + 1) for k, name in enumerate(ordered)]


def test_unknown_and_null_strategies(conn) -> None:
    error = sqlstate_of(conn, lambda: conn.execute("SELECT * FROM rec.feed('u', 10, 0, 'nope')").fetchall())
    assert error.diag.sqlstate == "22023" and "default" in error.diag.message_hint
    # A feed without a strategy serves the installation's blend (default until pgrec tune
    # fitted a better one); the other lists need theirs.
    assert conn.execute("SELECT * FROM rec.feed('u', 10, 0, NULL)").fetchall() == \
        conn.execute("SELECT * FROM rec.feed('u', 10, 0, 'default')").fetchall()
    error = sqlstate_of(conn, lambda: conn.execute("SELECT * FROM rec.trending(10, strategy => NULL)").fetchall())
    assert error.diag.sqlstate == "22004"


def test_signals_without_data_drop_out_and_the_feed_never_errors(world) -> None:
    # Only signals the user has no data for: they drop out, engagement + recency remain.
    got = feed(world, "fan", 5, weights={"vector": 1, "location": 1})
    assert len(got) == 5 and set(got[0][2]["terms"]) <= {"engagement", "recency", "diversity"}
    # With a vector and a location, the same signals weigh in.
    embed(world, "d0", vec(a1=1))
    embed(world, "d4", vec(a1=1, a2=0.1))
    call(world, "upsert_users", [{"id": "fan", "location": {"lat": 52.5, "lon": 13.4}}])
    terms = feed(world, "fan", 5, weights={"vector": 1, "location": 1})[0][2]["terms"]
    assert {"vector", "location"} <= set(terms)


# --- ranking behaviour -----------------------------------------------------------------------

def test_diversity_penalises_repeats_and_caps_a_category_per_window(world) -> None:
    # By collaborative score alone the five design items fan has not seen lead. explore caps a
    # category at 3 per 10 positions: three design, then the best music and photo items take
    # the rest of the window until every category is full, and only then the next design item.
    weights = {"collaborative": 1, "engagement": 0.01}
    got = feed(world, "fan", 12, strategy="explore", weights=weights)
    order = [r[0] for r in got]
    assert order[:3] == ["d3", "d4", "d5"]
    assert sorted(i[0] for i in order[:9]) == list("dddmmmppp")
    assert order[9:11] == ["d6", "d7"]
    penalties = [r[2]["terms"].get("diversity", 0) for r in got]
    assert penalties[0] == 0 and min(penalties) < 0
    # The second design item pays exactly one repeat (-0.02).
    assert got[1][2]["terms"]["diversity"] == pytest.approx(-0.02)
    # Scores never increase down the list, and the result is deterministic.
    scores = [r[1] for r in got]
    assert scores == sorted(scores, reverse=True)
    assert feed(world, "fan", 12, strategy="explore", weights=weights) == got
    # default is lenient (8 per 10): the design items stay on top.
    assert [i[0] for i in feed_ids(world, "fan", 5, weights=weights)] == list("ddddd")


def test_pages_are_consistent_for_any_page_size(world) -> None:
    whole = feed_ids(world, "fan", 14)
    for size in (1, 3, 4, 5, 7):
        pages = []
        for offset in range(0, 14, size):
            pages += feed_ids(world, "fan", min(size, 14 - offset), offset=offset)
        assert pages == whole, size
    assert len(set(whole)) == len(whole)


def test_a_call_may_choose_the_exclusion_policy(world) -> None:
    """fan viewed m7, liked d0..d2. unseen (the default's) leaves out everything touched,
    unapplied keeps what was looked at and liked but never an applied item, undismissed keeps all
    but rejections; an unknown policy is refused naming it."""
    call(world, "track", [{"user_id": "fan", "item_id": "m1", "type": "apply", "at": "2026-05-31T00:00:00Z"},
                          {"user_id": "fan", "item_id": "m2", "type": "dismiss", "at": "2026-05-31T00:00:00Z"}])

    def shown(policy: str | None) -> set[str]:
        return {r[0] for r in world.execute("SELECT item_id FROM rec.feed('fan', 40, 0, 'default', exclusion_policy => %s)",
                                            (policy,)).fetchall()}

    default, unapplied, undismissed = shown(None), shown("unapplied"), shown("undismissed")
    assert not {"m7", "d0", "m1", "m2"} & default
    assert {"m7", "d0"} <= unapplied and not {"m1", "m2"} & unapplied
    assert {"m7", "d0", "m1"} <= undismissed and "m2" not in undismissed
    assert explain(world, "fan", "m1")["details"]["exclusion_policy"] == "unseen"
    error = sqlstate_of(world, lambda: world.execute("SELECT * FROM rec.feed('fan', 5, 0, exclusion_policy => 'nope')").fetchall())
    assert error.diag.sqlstate == "22023" and "unapplied" in error.diag.message_hint
    # A user who switched personalisation off has no history to exclude by, by any policy.
    call(world, "upsert_users", [{"id": "fan", "preferences": {"personalization": False}}])
    assert "m1" in shown("unapplied")


def test_the_recency_boost_factor_is_a_strategy_parameter(conn) -> None:
    """marketplace: exp(-age / 10 days), and a listing of the last 24 hours 1.5 times an older
    one of the same age curve; default keeps the flat boost 0.8 exp(-age / 14) + 0.2."""
    at(conn)
    call(conn, "upsert_items", [{"id": "fresh", "created_at": "2026-06-01T00:00:00Z"},
                                {"id": "day-old", "created_at": "2026-05-31T00:00:00Z"}])
    values = {item: {s: explain(conn, "u", item, s)["signals"]["recency"] for s in ("marketplace", "default")}
              for item in ("fresh", "day-old")}
    assert values["fresh"]["marketplace"] == pytest.approx(math.exp(-0.5 / 10))
    assert values["day-old"]["marketplace"] == pytest.approx(math.exp(-1.5 / 10) / 1.5)
    assert values["fresh"]["default"] == pytest.approx(0.8 * math.exp(-0.5 / 14) + 0.2)
    assert values["day-old"]["default"] == pytest.approx(0.8 * math.exp(-1.5 / 14))
    # u is unknown: marketplace serves it marketplace_cold, whose factor is its own row's.
    assert explain(conn, "u", "day-old", "marketplace")["weights_from"] == "marketplace_cold"
    conn.execute("UPDATE pgrec.strategies SET recency_new_boost = 3 WHERE name = 'marketplace_cold'")
    assert explain(conn, "u", "day-old", "marketplace")["signals"]["recency"] == pytest.approx(math.exp(-1.5 / 10) / 3)


# --- cold start, onboarding, opt-out --------------------------------------------------------

def test_cold_start_users_get_the_cold_start_blend(world) -> None:
    call(world, "upsert_users", [{"id": "newbie", "location": {"lat": 52.5, "lon": 13.4}}])
    info = explain(world, "newbie", "d1")
    assert info["cold_start"] and info["weights_from"] == "cold_start" and not info["personalized"]
    assert status(world, "newbie")["needs_onboarding"] is True
    assert status(world, "fan")["personalized"] is True  # 3 likes + 8 views = 11 events
    assert explain(world, "fan", "d5")["weights_from"] == "default"
    # Three preferred tags are enough to leave cold start.
    call(world, "upsert_users", [{"id": "newbie", "preferences": {"preferred_tags": ["category:music", "topic:d0", "x"]}}])
    assert explain(world, "newbie", "d1")["weights_from"] == "default"
    assert status(world, "newbie")["enough_data"] is True


def test_personalization_off_serves_what_a_visitor_gets(world) -> None:
    assert "d0" not in feed_ids(world, "fan")  # liked: excluded while personalised
    call(world, "upsert_users", [{"id": "fan", "preferences": {"personalization": False}}])
    assert feed_ids(world, "fan", 20) == feed_ids(world, "a-visitor", 20)
    assert status(world, "fan")["personalized"] is False
    assert explain(world, "fan", "d0")["eligible"] is True  # history is not used at all


# --- explanations -----------------------------------------------------------------------------

def test_reasons_name_the_liked_item_and_the_category(world) -> None:
    got = feed(world, "fan", 3, weights={"collaborative": 1, "engagement": 1})
    top = got[0]
    assert top[0].startswith("d")
    assert 1 <= len(top[2]["reasons"]) <= 3
    assert any(r.startswith("because you liked Design piece") for r in top[2]["reasons"])
    assert "popular in design" in top[2]["reasons"]


def test_explain_covers_items_outside_the_feed(world) -> None:
    liked = explain(world, "fan", "d0")
    assert liked["eligible"] is False and liked["excluded_because"] == "already acted on"
    assert liked["rank"] is None
    # Every signal of the vocabulary, weighted or not (the row type agrees with pgrec.feed_signals).
    assert set(liked["signals"]) == {r[0] for r in world.execute("SELECT signal FROM pgrec.feed_signals")}
    in_feed = explain(world, "fan", feed_ids(world, "fan", 1)[0])
    assert in_feed["rank"] == 1 and in_feed["eligible"] is True
    assert sum(in_feed["terms"].values()) == pytest.approx(in_feed["score"])
    error = sqlstate_of(world, lambda: explain(world, "fan", "no-such-item"))
    assert error.diag.sqlstate == "P0002"


# --- business rules ---------------------------------------------------------------------------

def test_rules_boost_and_bury_within_their_time_window(world) -> None:
    baseline = feed_ids(world, "fan", 16)
    assert before(baseline, "d3", "m3")
    written = call(world, "upsert_rules", [
        {"name": "push-music", "boost": 1, "tag": "category:music"},
        {"name": "bury-ana", "boost": -1, "creator_id": "ana"},
        {"name": "later", "boost": 1, "attributes": {"x": 1}, "starts_at": "2026-07-01T00:00:00Z"}])
    assert written == 3
    boosted = feed_ids(world, "fan", 16)
    assert before(boosted, "m3", "d3")
    info = explain(world, "fan", "m3")
    assert info["rules"] == ["push-music"] and info["terms"]["rules"] == 1 and "featured" in info["reasons"]
    active = {r[0]: r[-1] for r in world.execute("SELECT * FROM rec.rules()").fetchall()}
    assert active == {"bury-ana": True, "later": False, "push-music": True}
    assert world.execute("SELECT rec.delete_rules(ARRAY['push-music', 'bury-ana'])").fetchone()[0] == 2
    assert feed_ids(world, "fan", 16) == baseline


@pytest.mark.parametrize("rule", [
    {"name": "x", "boost": 0.5},                                   # no condition
    {"name": "x", "boost": 3, "tag": "a"},                         # boost out of range
    {"name": "x", "boost": 0, "tag": "a"},                         # zero
    {"name": "x", "boost": 0.5, "tag": "a", "strategy": "nope"},   # unknown strategy
    {"name": "x", "boost": 0.5, "tag": "a", "colour": "red"},      # unknown key
    {"name": "x", "boost": 0.5, "tag": "a", "starts_at": "2026-02-01", "ends_at": "2026-01-01"},
])
def test_bad_rules_are_rejected(conn, rule) -> None:
    error = sqlstate_of(conn, lambda: call(conn, "upsert_rules", [rule]))
    assert error.diag.sqlstate == "22023"


# --- real time --------------------------------------------------------------------------------

def test_a_tracked_event_changes_the_next_feed_without_a_refresh(world) -> None:
    assert "m2" in feed_ids(world, "fan", 30)
    call(world, "track", [{"user_id": "fan", "item_id": "m2", "type": "like", "at": "2026-06-01T11:00:00Z"},
                          {"user_id": "fan", "item_id": "m3", "type": "dismiss", "at": "2026-06-01T11:00:00Z"}])
    after = feed(world, "fan", 30)
    assert "m2" not in [r[0] for r in after] and "m3" not in [r[0] for r in after]
    # The new like's neighbours (the other music items) now have a collaborative score.
    terms = {r[0]: r[2]["terms"] for r in after}
    assert terms["m4"]["collaborative"] > 0


# --- access -----------------------------------------------------------------------------------

def test_the_application_role_can_read_feeds_but_not_manage_rules(fresh_db: str) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE ROLE pgrec_test_feed_client LOGIN IN ROLE pgrec_app")
        try:
            conn.execute("SET ROLE pgrec_test_feed_client")
            conn.execute("SELECT rec.upsert_items('[{\"id\": \"r1\"}]')")
            assert conn.execute("SELECT count(*) FROM rec.feed('someone', 5, 0, 'explore', '{\"recency\": 1}')").fetchone()[0] == 1
            assert conn.execute("SELECT rec.explain('someone', 'r1') ->> 'eligible'").fetchone()[0] == "true"
            assert conn.execute("SELECT rec.status('someone') ->> 'known'").fetchone()[0] == "false"
            assert conn.execute("SELECT count(*) FROM rec.onboarding_questions()").fetchone()[0] >= 1
            assert conn.execute("SELECT count(*) FROM rec.strategies()").fetchone()[0] >= 5
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("SELECT rec.upsert_rules('[]')")
        finally:
            conn.execute("RESET ROLE")
            conn.execute("DROP OWNED BY pgrec_test_feed_client")
            conn.execute("DROP ROLE pgrec_test_feed_client")
