"""rec.feed (foundation guarantees): exclusions, a planted favourite, cold start, bounds."""

from __future__ import annotations

import pytest

from tests.helpers import at, call, feed, feed_ids, refresh, sqlstate_of


@pytest.fixture
def world(conn):
    """A small catalogue with planted structure, replayed at a fixed time.

    fav is liked by the 6 users who liked seed; the noise items are just as popular, but with
    other users. The target user liked seed, so fav must rank above the noise.
    """
    at(conn)
    items = [{"id": "seed", "title": "Seed project", "created_at": "2026-05-01T00:00:00Z"},
             {"id": "fav", "title": "Planted favourite", "created_at": "2026-05-01T00:00:00Z"}]
    items += [{"id": f"noise{k}", "title": f"Noise {k}", "created_at": "2026-05-01T00:00:00Z"} for k in range(10)]
    call(conn, "upsert_items", items)
    events = []
    for u in range(6):
        events += [{"user_id": f"fan{u}", "item_id": "seed", "type": "like", "at": "2026-05-20T00:00:00Z"},
                   {"user_id": f"fan{u}", "item_id": "fav", "type": "like", "at": "2026-05-20T01:00:00Z"}]
    for k in range(10):
        for u in range(6):
            events.append({"user_id": f"other{k}_{u}", "item_id": f"noise{k}", "type": "like",
                           "at": "2026-05-20T00:00:00Z"})
    events.append({"user_id": "target", "item_id": "seed", "type": "like", "at": "2026-05-30T00:00:00Z"})
    call(conn, "track", events)
    refresh(conn)
    return conn


def test_planted_favourite_ranks_first_with_its_reasons(world) -> None:
    rows = feed(world, "target", 5)
    assert rows[0][0] == "fav"
    reasons = rows[0][2]
    assert reasons["terms"]["collaborative"] > 0
    assert any("Seed project" in r for r in reasons["reasons"])
    # Scores are ranked best first.
    assert [r[1] for r in rows] == sorted((r[1] for r in rows), reverse=True)


def test_excludes_seen_own_inactive_expired_and_blocked(world) -> None:
    call(world, "upsert_items", [
        {"id": "mine", "creator_id": "target", "created_at": "2026-05-31T00:00:00Z"},
        {"id": "hidden", "status": "hidden"}, {"id": "archived", "status": "archived"},
        {"id": "expired", "expires_at": "2026-05-31T00:00:00Z"},
        {"id": "future", "created_at": "2026-07-01T00:00:00Z"},
        {"id": "blocked", "tags": ["topic:spam"], "created_at": "2026-05-31T00:00:00Z"},
        {"id": "fine", "tags": ["topic:ok"], "created_at": "2026-05-31T00:00:00Z"}])
    call(world, "upsert_users", [{"id": "target", "preferences": {"blocked_tags": ["topic:spam"]}}])
    call(world, "track", [{"user_id": "target", "item_id": "noise3", "type": "view", "at": "2026-05-31T00:00:00Z"}])
    ids = feed_ids(world, "target", 100)
    for excluded in ("seed", "noise3", "mine", "hidden", "archived", "expired", "future", "blocked"):
        assert excluded not in ids
    assert "fine" in ids and "fav" in ids


def test_a_new_event_changes_the_next_feed_without_refresh(world) -> None:
    assert "fav" in feed_ids(world, "target", 5)
    call(world, "track", [{"user_id": "target", "item_id": "fav", "type": "view", "at": "2026-06-01T00:00:00Z"}])
    assert "fav" not in feed_ids(world, "target", 20)


def test_preferred_tags_lift_matching_items(world) -> None:
    call(world, "upsert_items", [{"id": f"t{k}", "tags": ["tool:python" if k == 7 else "tool:go"],
                                  "created_at": "2026-05-01T00:00:00Z"} for k in range(10)])
    call(world, "upsert_users", [{"id": "pythonista", "preferences": {"preferred_tags": {"tool:python": 1}}}])
    ids = feed_ids(world, "pythonista", 100)
    assert ids.index("t7") < min(ids.index(f"t{k}") for k in range(10) if k != 7)


def test_new_and_unknown_users_get_popular_items(world) -> None:
    call(world, "upsert_users", [{"id": "brand-new"}])
    for user in ("brand-new", "never-seen-before"):
        rows = feed(world, user, 10)
        assert len(rows) == 10
        # cold_start: what is popular (no trending or fresh items, which replay shows to be worse).
        assert {"engagement", "popularity"} <= set(rows[0][2]["terms"]) <= {"engagement", "popularity", "diversity"}


def test_personalization_off_gives_the_non_personalised_feed(world) -> None:
    call(world, "upsert_users", [{"id": "target", "preferences": {"personalization": False}}])
    rows = feed(world, "target", 5)
    assert {"engagement", "popularity"} <= set(rows[0][2]["terms"]) <= {"engagement", "popularity", "diversity"}


def test_feed_is_never_empty_while_items_exist_even_before_refresh(conn) -> None:
    call(conn, "upsert_items", [{"id": "only"}])
    assert feed_ids(conn, "anyone", 5) == ["only"]


def test_offset_pages_concatenate(world) -> None:
    whole = feed_ids(world, "target", 8)
    assert feed_ids(world, "target", 4) + feed_ids(world, "target", 4, offset=4) == whole


@pytest.mark.parametrize("args, sqlstate", [
    ((None, 10, 0, "default"), "22004"),
    (("", 10, 0, "default"), "22023"),
    (("u", 0, 0, "default"), "22023"),
    (("u", 501, 0, "default"), "22023"),
    (("u", -3, 0, "default"), "22023"),
    (("u", 10, -1, "default"), "22023"),
    (("u", None, 0, "default"), "22004"),
    (("u", 10, 0, "no-such-strategy"), "22023"),
])
def test_bad_arguments(conn, args, sqlstate) -> None:
    error = sqlstate_of(conn, lambda: conn.execute("SELECT * FROM rec.feed(%s, %s, %s, %s)", args).fetchall())
    assert error.diag.sqlstate == sqlstate
