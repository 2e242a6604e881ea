"""Precomputed feeds (pgrec.feed_pools): a page served from a pool is the page the full pipeline
would serve, what the user did since the pool was built still shows at once, and a pool that
cannot tell leaves the call to the pipeline."""

from __future__ import annotations

import json
import random
from datetime import timedelta

from tests.helpers import NOW, ago, at, call, iso, query, refresh, track, upsert_items


def world(conn, users: int = 30, items: int = 160, seed: int = 3) -> None:
    """Items in eight categories, users who like a few of them over the last days."""
    rng = random.Random(seed)
    at(conn)
    upsert_items(conn, [{"id": f"i{n}", "tags": [f"category:c{n % 8}", f"topic:t{n % 5}"],
                         "created_at": ago(days=rng.randint(2, 90))} for n in range(items)])
    events = []
    for u in range(users):
        for k in range(12):
            events.append({"user_id": f"u{u}", "item_id": f"i{rng.randrange(items)}",
                           "type": rng.choice(["like", "view", "view", "save"]),
                           "at": iso(NOW - timedelta(hours=8, minutes=10 * u + k))})
    track(conn, events)
    assert all(outcome == "ok" for step, outcome in refresh(conn).items() if step not in ("embeddings", "ease", "als"))


def page(conn, user: str, n: int = 20, offset: int = 0, strategy: str | None = None, pools: bool = True) -> list:
    conn.execute("SELECT set_config('rec.pools', %s, true)", ("on" if pools else "off",))
    rows = conn.execute("SELECT item_id, score, reasons FROM rec.feed(%s, %s, %s, %s)", (user, n, offset, strategy)).fetchall()
    conn.execute("SELECT set_config('rec.pools', 'on', true)")
    return rows


def served_from_pool(conn, user: str) -> bool:
    """Whether rec.feed reads the pool: reverse the pool's stored order and see if the feed follows."""
    before = page(conn, user)
    conn.execute("SAVEPOINT probe")
    conn.execute("""UPDATE pgrec.feed_pools p SET scores = ARRAY(SELECT -x FROM unnest(p.scores) AS x)
                    FROM pgrec.users u WHERE u.id = p.user_id AND u.external_id = %s""", (user,))
    tampered = page(conn, user)
    conn.execute("ROLLBACK TO SAVEPOINT probe")
    return tampered != before


def test_active_users_get_pools_and_pages_equal_the_full_pipeline(conn) -> None:
    world(conn)
    assert query(conn, "SELECT count(*) FROM pgrec.feed_pools") == [(31,)] or \
        query(conn, "SELECT count(*) FROM pgrec.feed_pools")[0][0] >= 30
    for user in ("u0", "u7", "u19"):
        assert served_from_pool(conn, user)
        for n, offset in ((20, 0), (10, 0), (10, 10), (5, 35)):
            assert page(conn, user, n, offset) == page(conn, user, n, offset, pools=False), (user, n, offset)
        # Pages concatenate to the longer list, as in the pipeline.
        assert page(conn, user, 10, 0) + page(conn, user, 10, 10) == page(conn, user, 20, 0)
    # Asking for the served strategy by name reads the same pool.
    assert page(conn, "u0", strategy="default") == page(conn, "u0")


def test_what_the_user_did_since_shows_in_the_very_next_feed(conn) -> None:
    world(conn)
    first = page(conn, "u3")[0][0]
    # A view: the item drops out at once, still served from the pool (an exclusion is all it does).
    track(conn, [{"user_id": "u3", "item_id": first, "type": "view", "at": iso(NOW - timedelta(minutes=5))}])
    after_view = page(conn, "u3")
    assert first not in [r[0] for r in after_view]
    assert after_view == page(conn, "u3", pools=False) and served_from_pool(conn, "u3")
    # A like changes scores: the pipeline answers until the pool is rebuilt, and it is the same page.
    liked = after_view[0][0]
    track(conn, [{"user_id": "u3", "item_id": liked, "type": "like", "at": iso(NOW - timedelta(minutes=1))}])
    assert not served_from_pool(conn, "u3")
    assert liked not in [r[0] for r in page(conn, "u3")]
    assert refresh(conn, "feed_pools") == {"feed_pools": "ok"}
    assert served_from_pool(conn, "u3") and page(conn, "u3") == page(conn, "u3", pools=False)


def test_items_that_stop_being_live_drop_out(conn) -> None:
    world(conn)
    top = [r[0] for r in page(conn, "u5", 5)]
    call(conn, "upsert_items", [{"id": top[0], "status": "hidden"}, {"id": top[1], "expires_at": ago(minutes=1)}])
    listed = [r[0] for r in page(conn, "u5")]
    assert top[0] not in listed and top[1] not in listed
    assert page(conn, "u5") == page(conn, "u5", pools=False)


def test_a_pool_of_another_version_clock_or_depth_is_not_used(conn) -> None:
    world(conn)
    assert served_from_pool(conn, "u1")
    # Deeper than the pool holds: the pipeline.
    assert page(conn, "u1", 50, 60) == page(conn, "u1", 50, 60, pools=False)
    # Other weights for the served strategy: the pool is of another version.
    conn.execute("UPDATE pgrec.strategies SET weights = '{\"popularity\": 1}' WHERE name = 'default'")
    assert not served_from_pool(conn, "u1")
    assert page(conn, "u1") == page(conn, "u1", pools=False)
    conn.execute("UPDATE pgrec.strategies SET weights = '{\"ease\": 0.3, \"collaborative\": 0.7}' WHERE name = 'default'")
    refresh(conn, "feed_pools")
    assert served_from_pool(conn, "u1")
    # A rule that starts applying, another replay clock: not the pool's.
    call(conn, "upsert_rules", [{"name": "boost", "boost": 0.5, "tag": "category:c1"}])
    assert not served_from_pool(conn, "u1")
    conn.execute("SELECT rec.delete_rules(ARRAY['boost'])")
    assert served_from_pool(conn, "u1")
    at(conn, NOW + timedelta(minutes=1))
    assert not served_from_pool(conn, "u1")


def test_a_truncated_pool_leaves_pages_it_cannot_be_sure_of_to_the_pipeline(conn) -> None:
    # One category and a steep diversity penalty: candidates beyond the pool's 100 could rise
    # into the page, so the pool must defer.
    at(conn)
    upsert_items(conn, [{"id": f"j{n}", "tags": ["category:one"], "created_at": ago(days=5)} for n in range(300)])
    track(conn, [{"user_id": f"w{u}", "item_id": f"j{(u * 7 + k) % 300}", "type": "like", "at": ago(days=1, hours=k)}
                 for u in range(40) for k in range(8)])
    conn.execute("UPDATE pgrec.strategies SET diversity_penalty = 0.5, candidate_limit = 300 WHERE name = 'default'")
    refresh(conn)
    (cutoff,) = query(conn, "SELECT p.cutoff FROM pgrec.feed_pools p JOIN pgrec.users u ON u.id = p.user_id "
                            "WHERE u.external_id = 'w1'")[0]
    assert cutoff is not None  # more candidates than the pool keeps
    assert page(conn, "w1") == page(conn, "w1", pools=False)


def test_replays_build_and_use_pools_on_their_own_clock(conn) -> None:
    world(conn)
    pooled = query(conn, "SELECT count(*) FROM pgrec.feed_pools WHERE as_of = %s", (NOW,))
    assert pooled[0][0] >= 30
    assert json.dumps(page(conn, "u2")) == json.dumps(page(conn, "u2", pools=False))
