"""Each signal of the hybrid feed in isolation: a constructed case where it decides the order.

Every test ranks by one signal through a weights override and shows that the order follows
it, against a control ranking (another signal) that orders the same items differently.
"""

from __future__ import annotations

import pytest

from tests.helpers import at, before, call, embed, explain, feed, feed_ids, refresh, vec


OLD = "2026-04-01T00:00:00Z"


@pytest.fixture
def base(conn):
    """A replay clock, a known user with history, and some filler items."""
    at(conn)
    call(conn, "upsert_items", [{"id": f"filler{k}", "created_at": OLD} for k in range(3)])
    call(conn, "upsert_users", [{"id": "me"}])
    return conn


def test_vector_similarity_orders_by_cosine_to_the_user_vector(base) -> None:
    call(base, "upsert_items", [{"id": "liked", "created_at": OLD},
                                {"id": "close", "created_at": "2026-05-01T00:00:00Z"},
                                {"id": "far", "created_at": "2026-05-20T00:00:00Z"}])
    embed(base, "liked", vec(a1=1))
    embed(base, "close", vec(a1=1, a2=0.3))
    embed(base, "far", vec(a3=1))
    call(base, "track", [{"user_id": "me", "item_id": "liked", "type": "like", "at": "2026-05-30T00:00:00Z"}])
    order = feed_ids(base, "me", weights={"vector": 1})
    assert before(order, "close", "far")
    assert before(feed_ids(base, "me", weights={"recency": 1}), "far", "close")  # control
    terms = dict((r[0], r[2]["terms"]) for r in feed(base, "me", weights={"content": 1}))  # alias
    assert terms["close"]["vector"] == pytest.approx(1 - (1 - 1 / (1.09 ** 0.5)), abs=1e-6)
    assert terms["far"]["vector"] == 0


def test_vector_candidates_come_from_the_index_even_when_the_nearest_are_filtered(base) -> None:
    # The 150 nearest items are hidden; the live ones lie beyond them. An index scan that
    # stopped after its first batch would return nothing live (pgvector iterative scan).
    items = [{"id": f"hidden{k}", "status": "hidden", "created_at": OLD} for k in range(150)]
    items += [{"id": f"live{k}", "created_at": OLD} for k in range(5)] + [{"id": "liked", "created_at": OLD}]
    call(base, "upsert_items", items)
    embed(base, "liked", vec(a0=1))
    for k in range(150):
        embed(base, f"hidden{k}", vec(a0=1, a1=0.01 * (k + 1)))
    for k in range(5):
        embed(base, f"live{k}", vec(a0=1, a1=2 + k))
    call(base, "track", [{"user_id": "me", "item_id": "liked", "type": "like", "at": "2026-05-30T00:00:00Z"}])
    got = feed_ids(base, "me", 5, weights={"vector": 1})
    assert got == [f"live{k}" for k in range(5)]


def test_explicit_preferences_weigh_tag_kinds_and_user_weights(base) -> None:
    call(base, "upsert_items", [{"id": "tool", "tags": ["tool:figma"], "created_at": OLD},
                                {"id": "topic", "tags": ["topic:color"], "created_at": OLD},
                                {"id": "none", "tags": ["topic:other"], "created_at": "2026-05-30T00:00:00Z"}])
    call(base, "upsert_users", [{"id": "me", "preferences": {"preferred_tags": {"tool:figma": 1, "topic:color": 1}}}])
    order = feed_ids(base, "me", weights={"explicit": 1})
    # Same user weight, but a tool match (kind weight 0.5) beats a topic match (0.2).
    assert before(order, "tool", "topic") and before(order, "topic", "none")
    assert before(feed_ids(base, "me", weights={"recency": 1}), "none", "tool")  # control
    # The user's own weight counts too: a strong topic preference beats a weak tool one.
    call(base, "upsert_users", [{"id": "me", "preferences": {"preferred_tags": {"tool:figma": 0.2, "topic:color": 2}}}])
    assert before(feed_ids(base, "me", weights={"explicit": 1}), "topic", "tool")
    value = explain(base, "me", "topic")["signals"]["explicit"]
    assert value == pytest.approx(1 - 2.718281828 ** -1, abs=1e-6)  # the strongest preference alone


def test_tag_jaccard_prefers_items_focused_on_the_users_interests(base) -> None:
    call(base, "upsert_items", [
        {"id": "seen", "tags": ["topic:a", "topic:b"], "created_at": OLD},
        {"id": "focused", "tags": ["topic:a", "topic:b"], "created_at": OLD},
        {"id": "broad", "tags": ["topic:a", "topic:c", "topic:d", "topic:e"], "created_at": "2026-05-31T00:00:00Z"}])
    call(base, "track", [{"user_id": "me", "item_id": "seen", "type": "like", "at": "2026-05-30T00:00:00Z"}])
    order = feed_ids(base, "me", weights={"tags": 1})
    assert before(order, "focused", "broad")
    assert before(feed_ids(base, "me", weights={"recency": 1}), "broad", "focused")  # control
    signals = {i: explain(base, "me", i)["signals"]["tags"] for i in ("focused", "broad")}
    # Interest {a: 1, b: 1}: focused = 2 / (2 + 2 - 2) = 1; broad = 1 / (4 + 2 - 1) = 0.2.
    assert signals["focused"] == pytest.approx(1.0) and signals["broad"] == pytest.approx(0.2)


def test_behavioral_creator_affinity_and_viewed_penalty(base) -> None:
    call(base, "upsert_items", [
        {"id": "by_fav", "creator_id": "ana", "created_at": OLD},
        {"id": "other_by_fav", "creator_id": "ana", "created_at": OLD},
        {"id": "by_stranger", "creator_id": "bob", "created_at": "2026-05-31T00:00:00Z"},
        {"id": "viewed", "created_at": "2026-05-31T00:00:00Z"}])
    call(base, "track", [{"user_id": "me", "item_id": "other_by_fav", "type": "like", "at": "2026-05-30T00:00:00Z"},
                         {"user_id": "me", "item_id": "viewed", "type": "view", "at": "2026-05-30T00:00:00Z"}])
    order = feed_ids(base, "me", weights={"behavioral": 1})
    assert before(order, "by_fav", "by_stranger")
    assert before(feed_ids(base, "me", weights={"recency": 1}), "by_stranger", "by_fav")  # control
    assert explain(base, "me", "by_fav")["signals"]["behavioral"] == pytest.approx(1 / 3)
    # explore keeps viewed items, with a penalty; default excludes them.
    explore = feed_ids(base, "me", strategy="explore", weights={"behavioral": 1})
    assert before(explore, "by_stranger", "viewed")
    assert explain(base, "me", "viewed", "explore")["signals"]["behavioral"] == pytest.approx(-0.5)
    assert "viewed" not in feed_ids(base, "me")


def test_collaborative_neighbours_of_recent_likes_count_more(base) -> None:
    items = ["old_like", "new_like", "old_nb", "new_nb"]
    call(base, "upsert_items", [{"id": i, "created_at": OLD} for i in items])
    events = []
    for u in range(4):
        events += [{"user_id": f"a{u}", "item_id": "old_like", "type": "like", "at": "2026-04-10T00:00:00Z"},
                   {"user_id": f"a{u}", "item_id": "old_nb", "type": "like", "at": "2026-04-10T00:00:00Z"},
                   {"user_id": f"b{u}", "item_id": "new_like", "type": "like", "at": "2026-04-10T00:00:00Z"},
                   {"user_id": f"b{u}", "item_id": "new_nb", "type": "like", "at": "2026-04-10T00:00:00Z"}]
    # old_nb is also more popular, so popularity alone would rank it first.
    events += [{"user_id": f"c{u}", "item_id": "old_nb", "type": "like", "at": "2026-04-10T00:00:00Z"} for u in range(3)]
    events += [{"user_id": "me", "item_id": "old_like", "type": "like", "at": "2026-03-01T00:00:00Z"},
               {"user_id": "me", "item_id": "new_like", "type": "like", "at": "2026-05-31T00:00:00Z"}]
    call(base, "track", events)
    refresh(base)
    order = feed_ids(base, "me", weights={"collaborative": 1})
    assert before(order, "new_nb", "old_nb")
    assert before(feed_ids(base, "me", weights={"engagement": 1}), "old_nb", "new_nb")  # control
    because = explain(base, "me", "new_nb")["details"]["because_you_liked"]
    assert because == "new_like"


def test_engagement_popularity_and_velocity(base) -> None:
    call(base, "upsert_items", [{"id": i, "created_at": OLD} for i in ("steady", "burst", "quiet")])
    events = []
    # steady: many events two weeks ago; burst: fewer, but all in the last days; quiet: one view.
    events += [{"user_id": f"s{u}", "item_id": "steady", "type": "like", "at": "2026-05-20T00:00:00Z"} for u in range(10)]
    events += [{"user_id": f"b{u}", "item_id": "burst", "type": "click", "at": "2026-05-31T00:00:00Z"} for u in range(5)]
    events += [{"user_id": "q", "item_id": "quiet", "type": "view", "at": "2026-05-20T00:00:00Z"}]
    call(base, "track", events)
    refresh(base)
    engagement = feed_ids(base, "me", weights={"engagement": 1})
    assert before(engagement, "steady", "burst") and before(engagement, "burst", "quiet")
    assert before(feed_ids(base, "me", weights={"popularity": 1}), "steady", "burst")
    velocity = feed_ids(base, "me", weights={"velocity": 1})
    assert before(velocity, "burst", "steady")
    signals = explain(base, "me", "steady")["signals"]
    assert signals["popularity"] == pytest.approx(1.0) and signals["engagement"] == pytest.approx(1.0)


def test_recency_decays_with_age_and_boosts_the_last_day(base) -> None:
    call(base, "upsert_items", [{"id": "day_old", "created_at": "2026-05-31T00:00:00Z"},
                                {"id": "hours_old", "created_at": "2026-06-01T06:00:00Z"},
                                {"id": "month_old", "created_at": "2026-05-01T00:00:00Z"}])
    order = feed_ids(base, "me", weights={"recency": 1})
    assert before(order, "hours_old", "day_old") and before(order, "day_old", "month_old")
    hours, day = (explain(base, "me", i)["signals"]["recency"] for i in ("hours_old", "day_old"))
    assert hours > 0.8 * 2.718281828 ** (-0.25 / 14) + 0.19  # the < 24 h boost
    assert day == pytest.approx(0.8 * 2.718281828 ** (-1.5 / 14), abs=1e-6)
    reasons = {item: r["reasons"] for item, _, r in feed(base, "me", weights={"recency": 1})}
    assert "new (added 6 hours ago)" in reasons["hours_old"]


def test_location_prefers_near_items_and_excludes_beyond_the_max_distance(base) -> None:
    berlin = {"lat": 52.52, "lon": 13.405}
    call(base, "upsert_items", [
        {"id": "near", "location": {"lat": 52.53, "lon": 13.41}, "created_at": OLD},
        {"id": "town", "location": {"lat": 52.40, "lon": 13.06}, "created_at": OLD},
        {"id": "far", "location": {"lat": 48.14, "lon": 11.58}, "created_at": "2026-05-31T00:00:00Z"},
        {"id": "online", "created_at": OLD}])
    call(base, "upsert_users", [{"id": "me", "location": berlin}])
    order = feed_ids(base, "me", weights={"location": 1})
    assert before(order, "near", "town") and before(order, "town", "far")
    assert before(feed_ids(base, "me", weights={"recency": 1}), "far", "near")  # control
    reasons = dict((r[0], r[2]) for r in feed(base, "me", weights={"location": 1}))
    assert any(r.startswith("near you") for r in reasons["near"]["reasons"])
    call(base, "upsert_users", [{"id": "me", "preferences": {"max_distance_km": 100}}])
    order = feed_ids(base, "me", weights={"location": 1})
    assert "far" not in order and "near" in order and "online" in order
    assert explain(base, "me", "far")["excluded_because"] == "beyond max distance"


def test_creator_quality_follows_the_engagement_of_their_items(base) -> None:
    call(base, "upsert_items", [{"id": "hit1", "creator_id": "star", "created_at": OLD},
                                {"id": "hit2", "creator_id": "star", "created_at": OLD},
                                {"id": "new_by_star", "creator_id": "star", "created_at": "2026-05-01T00:00:00Z"},
                                {"id": "new_by_unknown", "creator_id": "nobody", "created_at": "2026-05-31T00:00:00Z"}])
    call(base, "track", [{"user_id": f"f{u}", "item_id": h, "type": "like", "at": "2026-05-20T00:00:00Z"}
                         for u in range(5) for h in ("hit1", "hit2")])
    refresh(base)
    order = feed_ids(base, "me", weights={"creator": 1})
    assert before(order, "new_by_star", "new_by_unknown")
    assert before(feed_ids(base, "me", weights={"recency": 1}), "new_by_unknown", "new_by_star")  # control


def test_price_fit_is_one_inside_the_range_and_decays_outside(base) -> None:
    call(base, "upsert_items", [{"id": "fits", "price": 40, "created_at": OLD},
                                {"id": "a_bit_over", "price": 55, "created_at": OLD},
                                {"id": "way_over", "price": 500, "created_at": "2026-05-31T00:00:00Z"}])
    call(base, "upsert_users", [{"id": "me", "preferences": {"price_min": 10, "price_max": 50}}])
    order = feed_ids(base, "me", weights={"price": 1})
    assert before(order, "fits", "a_bit_over") and before(order, "a_bit_over", "way_over")
    assert before(feed_ids(base, "me", weights={"recency": 1}), "way_over", "fits")  # control
    signals = {i: explain(base, "me", i)["signals"]["price"] for i in ("fits", "a_bit_over")}
    assert signals["fits"] == 1 and signals["a_bit_over"] == pytest.approx(2.718281828 ** (-0.3), abs=1e-6)


def test_trending_reads_the_trending_list(base) -> None:
    call(base, "upsert_items", [{"id": "hot", "created_at": OLD}, {"id": "cold", "created_at": "2026-05-31T00:00:00Z"}])
    call(base, "track", [{"user_id": f"t{u}", "item_id": "hot", "type": "like", "at": "2026-06-01T10:00:00Z"}
                         for u in range(5)])
    refresh(base)
    assert before(feed_ids(base, "me", weights={"trending": 1}), "hot", "cold")
    assert before(feed_ids(base, "me", weights={"recency": 1}), "cold", "hot")  # control
