-- Refresh step "feed_pools": precompute the feeds of active users (pgrec.feed_pools) with the
-- full pipeline, for the strategy a feed without one serves (rec._served_feed_strategy) and
-- every feed strategy marked precomputed.
-- Active: an event in the last 7 days (by rec.now()), or a feed page logged for the user in
-- them (users.last_served_at, kept by rec.log_impressions: users shown feeds without acting).
-- Built, most recently active first and at most 1000 per run (the step runs every minute):
-- users without a pool, then pools that can no longer answer — an event it did not see
-- (rec._pool_missed), another version (strategy, rules, models, preferences, follows), new work
-- of a followed creator, another replay clock, or older than 30 minutes (rec._pooled_feed stops
-- using them at an hour). Pools of users gone quiet for a day, and of strategies no longer
-- served or precomputed, are dropped.
-- Each pool keeps the best 100 eligible candidates of a call sized by the strategy's
-- candidate_limit, exactly what a first page sees, with their reasons.
CREATE FUNCTION rec._refresh_feed_pools() RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_now     constant timestamptz := rec.now();
    v_replay  constant boolean := coalesce(current_setting('rec.as_of', true), '') <> '';
    -- What every pool of this run saw: taken before anything is read, so an event it sees was
    -- seen by each build, and the one that arrives meanwhile counts as unseen (served as "since").
    v_snapshot constant pg_snapshot := pg_current_snapshot();
    v_xact    constant bigint := rec._own_xact();
    v_served  constant text := rec._served_feed_strategy();
    v_kept    constant text[] := ARRAY(SELECT s.name FROM pgrec.strategies AS s
                                       WHERE s.list = 'feed' AND (s.precomputed OR s.name = v_served) ORDER BY s.name);
    v_user    record;
    v_last_event bigint;
    c         rec.list_context;
    v_rows    rec.scored_item[];
    v_out     rec.scored_item[];
    v_reasons jsonb;
    v_out_cats   integer[];
    v_out_scores double precision[];
    v_total   integer;
    v_built   bigint := 0;
    v_shared_parts text[];
    v_consent_default boolean;
    v_version text;
    v_params  pgrec.strategies;
    v_page    rec.ranked_item[];
    v_page_ids text[];
    v_page_scores double precision[];
    v_page_reasons jsonb[];
    v_items   bigint[];
    v_ids     text[];
    v_scores  double precision[];
    v_engagement double precision[];
    v_categories integer[];
BEGIN
    DELETE FROM pgrec.feed_pools AS p
    WHERE NOT p.strategy = ANY (v_kept) OR p.built_at < now() - interval '1 day';

    -- One query over the users' shards (on Citus each worker joins its own users' events, rows,
    -- tags, follows, consents and pools): the digest's shared part is computed once per
    -- strategy, the rest from the joined rows.
    v_shared_parts := ARRAY(SELECT rec._feed_pool_shared(k.strategy) FROM unnest(v_kept) WITH ORDINALITY AS k(strategy, n)
                            ORDER BY k.n);
    v_consent_default := coalesce((SELECT p.default_granted FROM pgrec.consent_purposes AS p
                                   WHERE p.purpose = 'personalization'), true);
    FOR v_user IN
        SELECT a.user_id, u.external_id, a.last_event_id, k.strategy
        -- The users with events in the window, and those shown feeds in it (for a user shown
        -- feeds without acting the newest event is read in the loop, for the few built): one
        -- join of users with the window's events, which Citus runs on each worker for its
        -- own users' shards.
        FROM (SELECT s.id AS user_id, coalesce(max(e.id), 0) AS last_event_id, coalesce(max(e.xact_id), 0) AS last_xact,
                     greatest(max(e.occurred_at), max(s.last_served_at) FILTER (WHERE s.last_served_at <= v_now)) AS last_at
              FROM pgrec.users AS s
              LEFT JOIN pgrec.events AS e
                ON e.user_id = s.id AND e.occurred_at > v_now - interval '7 days' AND e.occurred_at <= v_now
              WHERE e.user_id IS NOT NULL
                 OR s.last_served_at > v_now - interval '7 days' AND s.last_served_at <= v_now
              GROUP BY s.id) AS a
        JOIN pgrec.users AS u ON u.id = a.user_id
        CROSS JOIN unnest(v_kept, v_shared_parts) AS k(strategy, shared)
        LEFT JOIN (SELECT t.user_id, rec._feed_pool_tags(array_agg(t.tag_id), array_agg(t.weight), array_agg(t.blocked)) AS tags
                   FROM pgrec.user_tags AS t GROUP BY t.user_id) AS ut ON ut.user_id = a.user_id
        LEFT JOIN (SELECT f.user_id,
                          rec._feed_pool_follows(array_agg(f.creator_id), array_agg(f.followed_at),
                                                 array_agg(f.unfollowed_at)) AS follows
                   FROM pgrec.follows AS f GROUP BY f.user_id) AS uf ON uf.user_id = a.user_id
        LEFT JOIN pgrec.consents AS uc ON uc.user_id = a.user_id AND uc.purpose = 'personalization'
        LEFT JOIN pgrec.feed_pools AS p ON p.user_id = a.user_id AND p.strategy = k.strategy
        WHERE p.user_id IS NULL OR p.last_event_id < a.last_event_id
           -- (only a user with a transaction as new as the pool's can have one it missed)
           OR CASE WHEN a.last_xact >= pg_snapshot_xmin(p.snapshot)::text::bigint
                   THEN EXISTS (SELECT FROM pgrec.events AS e
                                WHERE e.user_id = a.user_id
                                  AND rec._pool_missed(e.xact_id, e.id, p.snapshot, p.xact_id, p.last_event_id)) END
           OR (p.as_of <> v_now AND (v_replay OR now() - p.built_at > interval '30 minutes'))
           OR p.version <> rec._feed_pool_digest(k.shared, u.updated_at, u.personalization,
                                                 coalesce(uc.granted, v_consent_default), ut.tags, uf.follows)
           OR EXISTS (SELECT FROM pgrec.follows AS f JOIN pgrec.items AS i ON i.creator_id = f.creator_id
                      WHERE f.user_id = a.user_id AND f.unfollowed_at IS NULL AND i.updated_at > p.built_at)
        ORDER BY p.user_id IS NULL DESC, a.last_at DESC, a.user_id, k.strategy = v_served DESC, k.strategy
        LIMIT 1000
    LOOP
        v_last_event := v_user.last_event_id;
        IF v_last_event = 0 THEN
            SELECT coalesce(max(e.id), 0) INTO v_last_event FROM pgrec.events AS e
            WHERE e.user_id = v_user.user_id AND e.occurred_at <= v_now;
        END IF;
        c := rec._list_context('feed', v_user.strategy, NULL, v_user.external_id, 1, 0);
        SELECT coalesce(array_agg(s ORDER BY s.score DESC, (s.signals).engagement DESC, s.external_id), '{}'),
               count(*)
        INTO v_rows, v_total
        FROM rec._score(c, ARRAY(SELECT rec._candidates(c))) AS s
        WHERE s.excluded IS NULL AND (c.fallback OR s.score > 0);
        -- Kept: the best 100 of the rows within their category's reach — a category cap of m
        -- per block of w positions lets one category fill at most m * ceil(100 / w) of 100
        -- places, so its rows beyond those cannot be on a page the pool serves, and others'
        -- rows take their places. What was left out is kept as the best score per category.
        SELECT coalesce(array_agg(v_rows[x.n] ORDER BY x.n) FILTER (WHERE x.kept), '{}'),
               coalesce(array_agg(v_rows[x.n] ORDER BY x.n) FILTER (WHERE NOT x.kept), '{}')
        INTO v_rows, v_out
        FROM (SELECT y.n, y.in_reach AND count(*) FILTER (WHERE y.in_reach) OVER (ORDER BY y.n) <= 100 AS kept
              FROM (SELECT n, coalesce((v_rows[n]).category, 0) = 0
                              OR row_number() OVER (PARTITION BY (v_rows[n]).category ORDER BY n)
                                 <= c.max_per_category * ceil(100.0 / c.category_window) AS in_reach
                    FROM generate_subscripts(v_rows, 1) AS n) AS y) AS x;
        v_total := cardinality(v_rows);
        SELECT coalesce(array_agg(o.c ORDER BY o.c), '{}'), coalesce(array_agg(o.s ORDER BY o.c), '{}')
        INTO v_out_cats, v_out_scores
        FROM (SELECT coalesce(r.category, 0) AS c, max(r.score) AS s FROM unnest(v_out) AS r GROUP BY 1) AS o;
        SELECT coalesce(jsonb_agg(r.reasons ORDER BY r.ord), '[]') INTO v_reasons
        FROM rec._reasons(c, v_rows[1:100], array_fill(0::float8, ARRAY[least(v_total, 100)])) AS r;
        -- Values computed first: Citus runs no subquery inside an INSERT into a distributed table.
        v_version := rec._feed_pool_version(v_user.strategy, v_user.user_id);
        v_items := ARRAY(SELECT r.item_id FROM unnest(v_rows[1:100]) AS r);
        v_ids := ARRAY(SELECT r.external_id FROM unnest(v_rows[1:100]) AS r);
        v_scores := ARRAY(SELECT r.score FROM unnest(v_rows[1:100]) AS r);
        v_engagement := ARRAY(SELECT (r.signals).engagement FROM unnest(v_rows[1:100]) AS r);
        v_categories := ARRAY(SELECT coalesce(r.category, 0) FROM unnest(v_rows[1:100]) AS r);
        -- The page serving slices while nothing drops out: diversified once, here.
        SELECT * INTO v_params FROM pgrec.strategies AS s
        WHERE s.name = CASE WHEN c.cold_start THEN (SELECT x.cold_start FROM pgrec.strategies AS x
                                                    WHERE x.name = v_user.strategy) ELSE v_user.strategy END;
        v_page := rec._pool_page(v_ids, v_scores, v_engagement, v_categories, NULL, v_reasons, v_out_cats, v_out_scores,
                                 v_params.diversity_penalty, v_params.max_per_category, v_params.category_window,
                                 cardinality(v_ids));
        v_page_ids := ARRAY(SELECT r.item_id FROM unnest(v_page) AS r);
        v_page_scores := ARRAY(SELECT r.score FROM unnest(v_page) AS r);
        v_page_reasons := ARRAY(SELECT r.reasons FROM unnest(v_page) AS r);
        INSERT INTO pgrec.feed_pools AS p (user_id, strategy, built_at, as_of, version, cold, policy,
                                           snapshot, xact_id, last_event_id,
                                           latest_at, items, cutoff_categories, cutoff_scores, external_ids, scores,
                                           engagement, categories, reasons, page_ids, page_scores, page_reasons)
        VALUES (v_user.user_id, v_user.strategy, now(), v_now, v_version, c.cold_start, v_params.exclusion_policy,
                v_snapshot, v_xact, v_last_event,
                (c.u).latest_at,
                v_items,
                v_out_cats, v_out_scores,
                v_ids, v_scores, v_engagement, v_categories,
                v_reasons, v_page_ids, v_page_scores, v_page_reasons)
        ON CONFLICT ON CONSTRAINT feed_pools_pkey DO UPDATE
        SET built_at = excluded.built_at, as_of = excluded.as_of, version = excluded.version, cold = excluded.cold,
            policy = excluded.policy, snapshot = excluded.snapshot, xact_id = excluded.xact_id,
            last_event_id = excluded.last_event_id, latest_at = excluded.latest_at,
            items = excluded.items,
            cutoff_categories = excluded.cutoff_categories, cutoff_scores = excluded.cutoff_scores,
            external_ids = excluded.external_ids, scores = excluded.scores,
            engagement = excluded.engagement, categories = excluded.categories, reasons = excluded.reasons,
            page_ids = excluded.page_ids, page_scores = excluded.page_scores, page_reasons = excluded.page_reasons;
        v_built := v_built + 1;
    END LOOP;
    RETURN v_built;
END;
$$;
COMMENT ON FUNCTION rec._refresh_feed_pools() IS
'Refresh step feed_pools: precompute the feeds of active users for the served strategy and the precomputed ones (at most 1000 pools per run). Returns pools built.';
