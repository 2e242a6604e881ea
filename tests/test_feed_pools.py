"""Precomputed feeds (pgrec.feed_pools): a page served from a pool is the page the full pipeline
would serve, what the user did since the pool was built still shows at once, and a pool that
cannot tell leaves the call to the pipeline."""

from __future__ import annotations

import json
import random
from datetime import timedelta

from app.db import connect
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


def settled(value):
    """Floats to 12 decimals: the pool and the pipeline may sum the same terms in another order
    (another plan), which moves the last bit and nothing a user could see."""
    if isinstance(value, float):
        return round(value, 12)
    if isinstance(value, dict):
        return {k: settled(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(settled(v) for v in value)
    return value


def page(conn, user: str, n: int = 20, offset: int = 0, strategy: str | None = None, pools: bool = True) -> list:
    conn.execute("SELECT set_config('rec.pools', %s, true)", ("on" if pools else "off",))
    rows = conn.execute("SELECT item_id, score, reasons FROM rec.feed(%s, %s, %s, %s)", (user, n, offset, strategy)).fetchall()
    conn.execute("SELECT set_config('rec.pools', 'on', true)")
    return settled(rows)


def served_from_pool(conn, user: str, strategy: str | None = None) -> bool:
    """Whether rec.feed reads the pool: shuffle the pool's stored ids, of the candidates and of the stored page
    (scores stay), and see if the feed follows."""
    before = page(conn, user, strategy=strategy)
    conn.execute("SAVEPOINT probe")
    conn.execute("""UPDATE pgrec.feed_pools p SET external_ids = ARRAY(SELECT x FROM unnest(p.external_ids) AS x ORDER BY md5(x)),
                                               page_ids = ARRAY(SELECT x FROM unnest(p.page_ids) AS x ORDER BY md5(x))
                    FROM pgrec.users u WHERE u.id = p.user_id AND u.external_id = %s AND p.strategy = coalesce(%s, 'default')""", (user, strategy))
    tampered = page(conn, user, strategy=strategy)
    conn.execute("ROLLBACK TO SAVEPOINT probe")
    return tampered != before


def test_active_users_get_pools_and_pages_equal_the_full_pipeline(conn) -> None:
    world(conn)
    assert query(conn, "SELECT count(*), min(strategy), max(strategy) FROM pgrec.feed_pools") == [(30, "default", "default")]
    for user in ("u0", "u7", "u19"):
        assert served_from_pool(conn, user)
        for n, offset in ((20, 0), (10, 0), (10, 10), (5, 35)):
            assert page(conn, user, n, offset) == page(conn, user, n, offset, pools=False), (user, n, offset)
        # Pages concatenate to the longer list, as in the pipeline.
        assert page(conn, user, 10, 0) + page(conn, user, 10, 10) == page(conn, user, 20, 0)
    # Asking for the served strategy by name reads the same pool.
    assert page(conn, "u0", strategy="default") == page(conn, "u0")


def test_a_pool_serves_the_page_it_stored_and_diversifies_again_without_one(conn) -> None:
    world(conn)
    stored = query(conn, """SELECT cardinality(p.page_ids), cardinality(p.items) FROM pgrec.feed_pools p
                            JOIN pgrec.users u ON u.id = p.user_id WHERE u.external_id = 'u5'""")[0]
    assert 20 <= stored[0] <= stored[1]
    expected = page(conn, "u5", pools=False)
    assert page(conn, "u5") == expected
    # The stored page is what is served: reversed, the feed follows it.
    conn.execute("SAVEPOINT probe")
    conn.execute("""UPDATE pgrec.feed_pools p SET page_ids = ARRAY(SELECT x FROM unnest(p.page_ids) WITH ORDINALITY AS k(x, n)
                                                                  ORDER BY n DESC)
                    FROM pgrec.users u WHERE u.id = p.user_id AND u.external_id = 'u5'""")
    assert [r[0] for r in page(conn, "u5")] != [r[0] for r in expected]
    conn.execute("ROLLBACK TO SAVEPOINT probe")
    # A pool without a stored page (built before pools stored one, or a page too shallow for the
    # request) is diversified at the call, still from the pool and still the pipeline's page.
    conn.execute("""UPDATE pgrec.feed_pools p SET page_ids = '{}', page_scores = '{}', page_reasons = '{}'
                    FROM pgrec.users u WHERE u.id = p.user_id AND u.external_id = 'u5'""")
    assert served_from_pool(conn, "u5")
    assert page(conn, "u5") == expected
    assert page(conn, "u5", 10, 30) == page(conn, "u5", 10, 30, pools=False)


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


def test_an_event_committed_after_the_build_shows_although_a_newer_one_was_built_in(fresh_db: str) -> None:
    """Transactions commit out of id order: an event whose transaction drew its id before the
    pool was built and committed after it is still "since", though the pool saw a newer one."""
    with connect(fresh_db, autocommit=False) as conn, connect(fresh_db, autocommit=False) as writer:
        world(conn)
        conn.commit()
        at(conn)
        top, second = [r[0] for r in page(conn, "u3", 2)]
        # A writer (an ingest job's COPY, say) draws its event's id now and commits later.
        writer.execute("INSERT INTO pgrec.events (user_id, item_id, type, occurred_at) "
                       "SELECT u.id, i.id, 'view', %s FROM pgrec.users u, pgrec.items i "
                       "WHERE u.external_id = 'u3' AND i.external_id = %s", (NOW - timedelta(minutes=5), top))
        # Meanwhile a newer event of the same user commits, and the pool is rebuilt with it.
        track(conn, [{"user_id": "u3", "item_id": second, "type": "view", "at": iso(NOW - timedelta(minutes=4))}])
        assert conn.execute("SELECT rows FROM rec.refresh('feed_pools')").fetchone()[0] == 1
        conn.commit()
        writer.commit()
        at(conn)
        listed = [r[0] for r in page(conn, "u3")]
        assert top not in listed and second not in listed
        assert served_from_pool(conn, "u3") and page(conn, "u3") == page(conn, "u3", pools=False)
        # The next run rebuilds that pool (it missed an event), and only that one.
        assert conn.execute("SELECT rows FROM rec.refresh('feed_pools')").fetchone()[0] == 1
        assert conn.execute("SELECT rows FROM rec.refresh('feed_pools')").fetchone()[0] == 0
        assert top not in [r[0] for r in page(conn, "u3")] and served_from_pool(conn, "u3")
        conn.rollback()


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
    (left_out,) = query(conn, "SELECT p.cutoff_scores FROM pgrec.feed_pools p JOIN pgrec.users u ON u.id = p.user_id "
                              "WHERE u.external_id = 'w1'")[0]
    assert len(left_out) == 1  # more candidates than the pool keeps, all of one category
    assert not served_from_pool(conn, "w1")
    assert page(conn, "w1") == page(conn, "w1", pools=False)


def test_left_out_candidates_held_down_by_the_penalty_leave_the_page_to_the_pool(conn) -> None:
    # Two categories, a penalty: the pool's last scores are below the left-out ones' raw best,
    # but a left-out candidate pays the penalty for every pool item of its category above it.
    at(conn)
    upsert_items(conn, [{"id": f"j{n}", "tags": [f"category:c{n % 2}"], "created_at": ago(days=5)} for n in range(300)])
    track(conn, [{"user_id": f"w{u}", "item_id": f"j{(u * 7 + k) % 300}", "type": "like", "at": ago(days=1, hours=k)}
                 for u in range(40) for k in range(8)])
    conn.execute("UPDATE pgrec.strategies SET diversity_penalty = 0.01, candidate_limit = 300 WHERE name = 'default'")
    refresh(conn)
    (left_out,) = query(conn, "SELECT p.cutoff_categories FROM pgrec.feed_pools p JOIN pgrec.users u "
                              "ON u.id = p.user_id WHERE u.external_id = 'w1'")[0]
    assert len(left_out) == 2
    for n, offset in ((20, 0), (10, 10)):
        assert page(conn, "w1", n, offset) == page(conn, "w1", n, offset, pools=False)
    assert served_from_pool(conn, "w1")


def test_replays_build_and_use_pools_on_their_own_clock(conn) -> None:
    world(conn)
    pooled = query(conn, "SELECT count(*) FROM pgrec.feed_pools WHERE as_of = %s", (NOW,))
    assert pooled[0][0] >= 30
    assert json.dumps(page(conn, "u2")) == json.dumps(page(conn, "u2", pools=False))


def test_a_content_filter_or_withdrawn_consent_is_honoured_with_a_pool(conn) -> None:
    world(conn)
    assert served_from_pool(conn, "u5")
    # A filtered feed lists only what passes the filter, though the pool holds every category.
    pooled = {r[0] for r in page(conn, "u5")}
    filtered = conn.execute("SELECT item_id FROM rec.feed('u5', 20, filter => '{\"tags_any\": [\"category:c2\"]}')").fetchall()
    assert filtered and all(int(i[1:]) % 8 == 2 for (i,) in filtered)
    assert {i for (i,) in filtered} != pooled
    # Withdrawing consent to personalisation makes the pool stale: the feed is the non-personal one.
    call(conn, "upsert_consents", [{"user_id": "u5", "purpose": "personalization", "granted": False}])
    assert not served_from_pool(conn, "u5")
    assert page(conn, "u5") == page(conn, "u6x")


def test_a_strategy_marked_precomputed_is_served_from_pools_too(conn) -> None:
    world(conn)
    assert page(conn, "u3", strategy="explore") == page(conn, "u3", strategy="explore", pools=False)
    assert query(conn, "SELECT count(*) FROM pgrec.feed_pools WHERE strategy = 'explore'") == [(0,)]
    conn.execute("UPDATE pgrec.strategies SET precomputed = true WHERE name = 'explore'")
    refresh(conn, "feed_pools")
    assert query(conn, "SELECT count(*) FROM pgrec.feed_pools WHERE strategy = 'explore'") == [(30,)]
    before = page(conn, "u3", strategy="explore")
    assert before == page(conn, "u3", strategy="explore", pools=False)
    conn.execute("SAVEPOINT probe")
    conn.execute("""UPDATE pgrec.feed_pools p SET external_ids = ARRAY(SELECT x FROM unnest(p.external_ids) AS x ORDER BY md5(x)),
                                               page_ids = ARRAY(SELECT x FROM unnest(p.page_ids) AS x ORDER BY md5(x))
                    FROM pgrec.users u WHERE u.id = p.user_id AND u.external_id = 'u3' AND p.strategy = 'explore'""")
    assert page(conn, "u3", strategy="explore") != before  # read from the explore pool
    conn.execute("ROLLBACK TO SAVEPOINT probe")
    # No longer precomputed: its pools go at the next run.
    conn.execute("UPDATE pgrec.strategies SET precomputed = false WHERE name = 'explore'")
    refresh(conn, "feed_pools")
    assert query(conn, "SELECT count(*) FROM pgrec.feed_pools WHERE strategy = 'explore'") == [(0,)]
    assert query(conn, "SELECT count(*) FROM pgrec.feed_pools WHERE strategy = 'default'") == [(30,)]


def test_follows_and_a_followed_creators_new_work_send_the_feed_to_the_pipeline(conn) -> None:
    world(conn)
    call(conn, "upsert_items", [{"id": f"i{n}", "creator_id": "ava"} for n in range(0, 160, 16)])
    # The test is one transaction, where now() stands still: these writes happened before.
    conn.execute("UPDATE pgrec.items SET updated_at = updated_at - interval '1 hour'")
    refresh(conn, "feed_pools")
    assert served_from_pool(conn, "u4")
    # Following a creator changes candidates and behavioral: not the pool's version.
    assert call(conn, "follow", [{"user_id": "u4", "creator_id": "ava"}]) == 1
    assert not served_from_pool(conn, "u4")
    assert page(conn, "u4") == page(conn, "u4", pools=False)
    assert refresh(conn, "feed_pools") == {"feed_pools": "ok"}
    assert served_from_pool(conn, "u4")
    # The followed creator publishes: the pool never saw the new project, the pipeline answers.
    conn.execute("UPDATE pgrec.feed_pools SET built_at = built_at - interval '1 minute'")  # built before it
    upsert_items(conn, [{"id": "ava-new", "tags": ["category:c1"], "creator_id": "ava", "created_at": ago(minutes=5)}])
    assert not served_from_pool(conn, "u4")
    assert page(conn, "u4") == page(conn, "u4", pools=False)
    # A call with its own exclusion policy is computed, whatever the pool holds.
    refresh(conn, "feed_pools")
    assert served_from_pool(conn, "u4")
    rows = conn.execute("SELECT item_id, score, reasons FROM rec.feed('u4', exclusion_policy => 'none')").fetchall()
    conn.execute("SELECT set_config('rec.pools', 'off', true)")
    assert rows == conn.execute("SELECT item_id, score, reasons FROM rec.feed('u4', exclusion_policy => 'none')").fetchall()


def test_a_strict_category_cap_is_served_from_a_pool_that_reaches_past_the_dominant_category(conn) -> None:
    # One category holds most of the best candidates; explore shows at most 3 of it per 10, so
    # the page needs other categories' rows from deep in the ranking: the pool keeps them.
    at(conn)
    upsert_items(conn, [{"id": f"j{n}", "tags": ["category:big" if n % 10 else f"category:c{n % 7}"],
                         "created_at": ago(days=5)} for n in range(400)])
    track(conn, [{"user_id": f"w{u}", "item_id": f"j{(u * 13 + k * 10) % 400}", "type": "like", "at": ago(days=1, hours=k)}
                 for u in range(40) for k in range(8)])
    conn.execute("UPDATE pgrec.strategies SET precomputed = true, candidate_limit = 300 WHERE name = 'explore'")
    refresh(conn)
    (cats,) = query(conn, "SELECT p.categories FROM pgrec.feed_pools p JOIN pgrec.users u ON u.id = p.user_id "
                          "WHERE u.external_id = 'w1' AND p.strategy = 'explore'")[0]
    assert 0 < cats.count(max(cats, key=cats.count)) <= 30  # the dominant category within its reach
    for n, offset in ((20, 0), (10, 10)):
        assert page(conn, "w1", n, offset, "explore") == page(conn, "w1", n, offset, "explore", pools=False)
    assert served_from_pool(conn, "w1", "explore")


def test_the_pooled_path_is_planned_once_on_one_node(conn) -> None:
    """A generic plan, so the read of the user's events over the monthly partitions is not
    re-planned on each call (on Citus it stays custom: tests/test_citus_cluster.py)."""
    (config,), = query(conn, "SELECT proconfig FROM pg_proc WHERE oid = 'rec._pooled_feed(text, text, integer, integer)'::regprocedure")
    assert "plan_cache_mode=force_generic_plan" in config
    world(conn)
    for _ in range(3):  # the generic plan serves repeated calls the same page as the pipeline
        assert served_from_pool(conn, "u4") and page(conn, "u4") == page(conn, "u4", pools=False)


def test_a_user_shown_feeds_without_acting_gets_a_pool(conn) -> None:
    world(conn)
    # u30 acted only ten days ago: not active, so no pool, and the pipeline serves the feed.
    track(conn, [{"user_id": "u30", "item_id": f"i{n}", "type": "like", "at": iso(NOW - timedelta(days=10, hours=n))}
                 for n in range(6)])
    refresh(conn, "feed_pools")
    pooled = "SELECT count(*) FROM pgrec.feed_pools p JOIN pgrec.users u ON u.id = p.user_id WHERE u.external_id = 'u30'"
    assert query(conn, pooled) == [(0,)]
    # A page logged for them (what the HTTP API does for every feed it serves) makes them active.
    shown = [r[0] for r in page(conn, "u30", pools=False)]
    assert conn.execute("SELECT rec.log_impressions('req-1', 'u30', %s)", (shown,)).fetchone()[0] == len(shown)
    assert query(conn, "SELECT last_served_at FROM pgrec.users WHERE external_id = 'u30'") == [(NOW,)]
    refresh(conn, "feed_pools")
    assert query(conn, pooled) == [(1,)]
    assert served_from_pool(conn, "u30")
    assert page(conn, "u30") == page(conn, "u30", pools=False)
    # Kept to the hour: another page within it writes nothing to the user's row; one after it does.
    at(conn, NOW + timedelta(minutes=30))
    conn.execute("SELECT rec.log_impressions('req-2', 'u30', %s)", (shown[:5],))
    assert query(conn, "SELECT last_served_at FROM pgrec.users WHERE external_id = 'u30'") == [(NOW,)]
    at(conn, NOW + timedelta(minutes=61))
    conn.execute("SELECT rec.log_impressions('req-3', 'u30', %s)", (shown[:5],))
    assert query(conn, "SELECT last_served_at FROM pgrec.users WHERE external_id = 'u30'") == \
        [(NOW + timedelta(minutes=61),)]


def test_logging_a_page_never_waits_for_the_user_s_row(fresh_db: str) -> None:
    # Another transaction holds the user's row (a writer logging its own batch of pages): the
    # page is logged without waiting, and the mark is left to the holder.
    with connect(fresh_db) as conn:
        upsert_items(conn, [{"id": "i1"}, {"id": "i2"}])
        track(conn, [{"user_id": "u4", "item_id": "i1", "type": "view"}])
        with connect(fresh_db, autocommit=False) as holder:
            holder.execute("SELECT 1 FROM pgrec.users WHERE external_id = 'u4' FOR NO KEY UPDATE")
            conn.execute("SET lock_timeout = '2s'")
            assert conn.execute("SELECT rec.log_impressions('req-w', 'u4', ARRAY['i1', 'i2'])").fetchone()[0] == 2
            assert query(conn, "SELECT last_served_at FROM pgrec.users WHERE external_id = 'u4'") == [(None,)]
            holder.rollback()
        assert conn.execute("SELECT rec.log_impressions('req-x', 'u4', ARRAY['i1'])").fetchone()[0] == 1
        assert query(conn, "SELECT last_served_at IS NOT NULL FROM pgrec.users WHERE external_id = 'u4'") == [(True,)]
