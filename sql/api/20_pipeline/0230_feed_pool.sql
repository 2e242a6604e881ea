-- Precomputed feeds (pgrec.feed_pools): what a pool depends on, and serving a page from one.

-- The digest of everything a pool's scores depend on besides events and time: the strategy
-- row (weights, parameters, its cold-start strategy's row), the rules active now, the model
-- fits and the user's row, tags, consent (preferences, location, personalisation) and follows
-- (a follow or an unfollow changes the candidates and the signal behavioral). A pool whose
-- digest differs is not used.
-- In three parts, so the refresh step can compare the digests of many users in one query that
-- Citus runs on each worker: the part every user shares (catalogue tables, computed once), and
-- the user's own part from columns of the user's row and tags (joined on the user's shard).
CREATE FUNCTION rec._feed_pool_shared(p_strategy text) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    RETURN concat_ws('|',
        (SELECT s::text FROM pgrec.strategies AS s WHERE s.name = p_strategy),
        (SELECT c::text FROM pgrec.strategies AS s JOIN pgrec.strategies AS c ON c.name = s.cold_start
         WHERE s.name = p_strategy),
        (SELECT string_agg(r::text, ',' ORDER BY r.id) FROM pgrec.rules AS r
         WHERE (r.starts_at IS NULL OR r.starts_at <= rec.now()) AND (r.ends_at IS NULL OR r.ends_at > rec.now())),
        (SELECT string_agg(m.name || ':' || coalesce(m.fitted_at::text, ''), ',' ORDER BY m.name) FROM pgrec.models AS m));
END;
$$;
COMMENT ON FUNCTION rec._feed_pool_shared(text) IS
'Internal: the part of a feed pool''s digest all users share (strategy rows, active rules, model fits).';

-- A plain SQL expression without SET, so it is inlined into the refresh step's query (and
-- runs on the workers as the expression itself). p_consent: the user's consent to
-- personalisation, kept apart from the user's row (rec.upsert_consents).
CREATE FUNCTION rec._feed_pool_digest(p_shared text, p_updated_at timestamptz, p_personalization boolean,
                                      p_consent boolean, p_tags text, p_follows text)
RETURNS text
LANGUAGE sql STABLE
RETURN md5(concat_ws('|', p_shared, p_updated_at::text || p_personalization::text, p_consent::text, p_tags, p_follows));
COMMENT ON FUNCTION rec._feed_pool_digest(text, timestamptz, boolean, boolean, text, text) IS
'Internal: a feed pool''s digest from the shared part and the user''s row (updated_at, personalization), consent, tags and follows.';

-- The user's tags as the digest reads them (rec._feed_pool_digest's p_tags).
CREATE FUNCTION rec._feed_pool_tags(p_tag_ids integer[], p_weights real[], p_blocked boolean[]) RETURNS text
LANGUAGE sql IMMUTABLE
RETURN (SELECT string_agg(t.tag_id || ':' || t.weight || ':' || t.blocked, ',' ORDER BY t.tag_id)
        FROM unnest(p_tag_ids, p_weights, p_blocked) AS t(tag_id, weight, blocked));
COMMENT ON FUNCTION rec._feed_pool_tags(integer[], real[], boolean[]) IS
'Internal: a user''s tags (id:weight:blocked, by id) for the feed pool digest.';

-- The user's follows as the digest reads them (rec._feed_pool_digest's p_follows): a follow or
-- an unfollow changes the candidates and the signal behavioral.
CREATE FUNCTION rec._feed_pool_follows(p_creator_ids text[], p_followed_at timestamptz[], p_unfollowed_at timestamptz[])
RETURNS text
LANGUAGE sql STABLE
RETURN (SELECT string_agg(f.creator_id || ':' || f.followed_at || ':' || coalesce(f.unfollowed_at::text, ''), ','
                          ORDER BY f.creator_id)
        FROM unnest(p_creator_ids, p_followed_at, p_unfollowed_at) AS f(creator_id, followed_at, unfollowed_at));
COMMENT ON FUNCTION rec._feed_pool_follows(text[], timestamptz[], timestamptz[]) IS
'Internal: a user''s follows (creator:followed_at:unfollowed_at, by creator) for the feed pool digest.';

CREATE FUNCTION rec._feed_pool_version(p_strategy text, p_user_id bigint) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_user    pgrec.users;
    v_tags    text;
    v_follows text;
BEGIN
    SELECT * INTO v_user FROM pgrec.users AS u WHERE u.id = p_user_id;
    SELECT rec._feed_pool_tags(array_agg(t.tag_id), array_agg(t.weight), array_agg(t.blocked)) INTO v_tags
    FROM pgrec.user_tags AS t WHERE t.user_id = p_user_id;
    SELECT rec._feed_pool_follows(array_agg(f.creator_id), array_agg(f.followed_at), array_agg(f.unfollowed_at))
    INTO v_follows
    FROM pgrec.follows AS f WHERE f.user_id = p_user_id;
    RETURN rec._feed_pool_digest(rec._feed_pool_shared(p_strategy), v_user.updated_at, v_user.personalization,
                                 rec._consented(p_user_id, 'personalization'), v_tags, v_follows);
END;
$$;
COMMENT ON FUNCTION rec._feed_pool_version(text, bigint) IS
'Internal: digest of what a precomputed feed depends on besides events and time (strategy, rules, models, the user''s preferences).';

-- Whether a pool's build missed an event of its user. The build saw the transactions its
-- snapshot sees, and of its own transaction the events up to last_event_id (a session may build
-- pools and track events in one transaction). Not "id above the newest it saw" alone:
-- transactions commit out of id order, so an event whose transaction drew its id before the
-- build and committed after it has a lower id. Every transaction older than the snapshot's
-- xmin was seen, so the first test is a range on the index events_user_xact (usually empty),
-- and the rest runs only on the user's newest few events. A plain SQL expression: inlined.
CREATE FUNCTION rec._pool_missed(p_event_xact bigint, p_event_id bigint, p_snapshot pg_snapshot, p_pool_xact bigint,
                                 p_last_event_id bigint) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN p_event_xact >= pg_snapshot_xmin(p_snapshot)::text::bigint
   AND (p_event_id > p_last_event_id OR NOT rec._xact_seen(p_event_xact, p_snapshot, p_pool_xact));
COMMENT ON FUNCTION rec._pool_missed(bigint, bigint, pg_snapshot, bigint, bigint) IS
'Internal: true when a feed pool built from p_snapshot (by transaction p_pool_xact, up to event p_last_event_id) did not see the event.';

-- The page of a pool: the first p_want positions of the listable candidates after diversity
-- (rec._diversify), as deep as it is exact — it stops before the first position that a
-- candidate left out of the pool could have taken (its category's best left-out score, less
-- the penalty for every listable candidate of that category, reaches the position's adjusted
-- score) or where the category cap gave way (only the full pipeline can tell those). p_keep:
-- the positions in the pool of the listable candidates (NULL: all), for their reasons. The one
-- definition the build (which stores the page, rec._refresh_feed_pools) and serving use.
CREATE FUNCTION rec._pool_page(p_keys text[], p_scores double precision[], p_engagement double precision[],
                               p_categories integer[], p_keep integer[], p_reasons jsonb, p_cutoff_categories integer[],
                               p_cutoff_scores double precision[], p_penalty double precision, p_max integer,
                               p_window integer, p_want integer)
RETURNS rec.ranked_item[]
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
BEGIN ATOMIC
    WITH reach AS (
        SELECT max(o.s - CASE WHEN o.c = 0 THEN 0
                              ELSE p_penalty * (SELECT count(*) FROM unnest(p_categories) AS k WHERE k = o.c) END) AS r
        FROM unnest(p_cutoff_categories, p_cutoff_scores) AS o(c, s)
    ), page AS (
        SELECT d.*, bool_and(reach.r IS NULL OR NOT d.forced AND d.adjusted > reach.r) OVER (ORDER BY d.n) AS exact
        FROM rec._diversify(p_scores, p_engagement, p_keys, p_categories, p_penalty, p_max, p_window, p_want)
             WITH ORDINALITY AS d(idx, score, adjusted, forced, n)
        CROSS JOIN reach
    )
    SELECT coalesce(array_agg(ROW(p_keys[p.idx], p.score,
                                  CASE WHEN p.score = p_scores[p.idx] THEN r.reasons
                                       ELSE jsonb_set(r.reasons, '{terms,diversity}', to_jsonb(p.score - p_scores[p.idx])) END
                                 )::rec.ranked_item ORDER BY p.n) FILTER (WHERE p.exact), '{}')
    FROM page AS p
    -- The stored reasons are compressed: expanded once here, not decompressed per element.
    JOIN jsonb_array_elements(p_reasons) WITH ORDINALITY AS r(reasons, n) ON r.n = coalesce(p_keep[p.idx], p.idx);
END;
COMMENT ON FUNCTION rec._pool_page(text[], double precision[], double precision[], integer[], integer[], jsonb, integer[], double precision[], double precision, integer, integer, integer) IS
'Internal: the exact part of a feed pool''s page (the first p_want positions after diversity, up to the first one a left-out candidate could have taken).';

-- A page of the feed from the user's pool, or NULL when the pool cannot answer exactly as the
-- full pipeline would (no pool, another version or clock, older than an hour, a page deeper
-- than it holds, or an event since it was built that changes scores). What it does with events
-- since the build: each one's item drops out when the pool's exclusion policy leaves it out;
-- any other effect (a positive event, a view the policy keeps and penalises, an event in a new
-- month for the signal contemporary, an event of a user who was below the cold-start
-- thresholds) means NULL, and so does new work of a creator the user follows (written since
-- the build: the candidate source following would bring it). Items that stopped being live drop
-- out. Diversity and the page are computed afresh over what is left (rec._diversify).
-- Cost (it is the feed's hot path): the user's events since the build are one read (index
-- events_user_xact; usually none), liveness one count over the pool's ids, and when nothing
-- dropped out the page the build stored is sliced (nothing is scored or diversified); its
-- queries are planned once (below).
CREATE FUNCTION rec._pooled_feed(p_user_id text, p_strategy text, p_n integer, p_offset integer)
RETURNS rec.ranked_item[]
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_pool    pgrec.feed_pools;
    v_policy  pgrec.exclusion_policies;
    v_params  pgrec.strategies;
    v_now     constant timestamptz := rec.now();
    v_changed boolean;
    v_dropped bigint[];
    v_keep    integer[];               -- positions in the pool still listable, and their fields:
    v_keys    text[];
    v_scores  double precision[];
    v_eng     double precision[];
    v_cats    integer[];
    v_page    rec.ranked_item[];
    v_user    bigint;
BEGIN
    IF current_setting('rec.pools', true) = 'off' THEN
        RETURN NULL;  -- a session that wants the full pipeline (tests, comparisons)
    END IF;
    -- The internal id first (as rec._user_id reads it): then the pool is read from the user's
    -- shard alone on Citus.
    SELECT k.user_id INTO v_user FROM pgrec.user_keys AS k WHERE k.external_id = p_user_id;
    SELECT p.* INTO v_pool FROM pgrec.feed_pools AS p WHERE p.user_id = v_user AND p.strategy = p_strategy;
    IF NOT FOUND OR p_offset + p_n > cardinality(v_pool.items)
       OR v_pool.as_of <> v_now AND (current_setting('rec.as_of', true) <> '' OR v_now - v_pool.built_at > interval '1 hour')
       OR v_pool.version <> rec._feed_pool_version(p_strategy, v_pool.user_id) THEN
        RETURN NULL;
    END IF;
    SELECT * INTO v_policy FROM pgrec.exclusion_policies AS x WHERE x.name = v_pool.policy;

    -- The user's events since the build (the index events_user_id), read once: whether one
    -- changes scores, and the items that drop out. (One read, not two: each probes every
    -- monthly partition, since a late event may be of any month.)
    SELECT coalesce(bool_or(v_pool.cold OR e.polarity > 0
                            -- the signal contemporary counts the months up to the latest event
                            OR date_trunc('month', e.occurred_at, 'UTC') > date_trunc('month', v_pool.latest_at, 'UTC')
                            -- a rejection makes its item dismissed, acted on and interacted with; an
                            -- exposure only interacted with (and, where that is kept, penalised)
                            OR NOT CASE WHEN e.polarity < 0 THEN v_policy.dismissed OR v_policy.acted OR v_policy.interacted
                                        ELSE v_policy.interacted END), false),
           coalesce(array_agg(DISTINCT e.item_id), '{}')
    INTO v_changed, v_dropped
    FROM pgrec.weighted_events AS e
    WHERE e.user_id = v_pool.user_id
      AND rec._pool_missed(e.xact_id, e.id, v_pool.snapshot, v_pool.xact_id, v_pool.last_event_id)
      AND e.occurred_at <= v_now;
    IF v_changed THEN
        RETURN NULL;
    END IF;
    -- A followed creator published (or changed) something since: it may belong on the page.
    IF EXISTS (SELECT FROM pgrec.follows AS f JOIN pgrec.items AS i ON i.creator_id = f.creator_id
               WHERE f.user_id = v_pool.user_id AND f.followed_at <= v_now
                 AND (f.unfollowed_at IS NULL OR f.unfollowed_at > v_now)
                 AND i.updated_at > v_pool.built_at) THEN
        RETURN NULL;
    END IF;

    -- What is still listable, in pool order. Usually everything: the pool's arrays as stored.
    -- Otherwise they are read in one pass (a field of the stored row read per element would be
    -- decompressed each time).
    IF cardinality(v_dropped) = 0
       -- (a join per element: an index scan for "= ANY (items)" sorts and searches the array)
       AND (SELECT count(*) FROM unnest(v_pool.items) AS k(item_id) JOIN pgrec.items AS i ON i.id = k.item_id
            WHERE pgrec.is_live(i.status, i.created_at, i.expires_at, v_now)) = cardinality(v_pool.items) THEN
        -- Every position (v_keep[k] = k). Concatenation makes plain copies: a stored array may be
        -- compressed, and each element read below would decompress it again.
        -- The page the build computed from these very arrays, as deep as it is exact.
        IF p_offset + p_n <= cardinality(v_pool.page_ids) THEN
            SELECT array_agg(ROW(k.item_id, k.score, k.reasons)::rec.ranked_item ORDER BY k.n) INTO v_page
            FROM unnest(v_pool.page_ids[p_offset + 1 : p_offset + p_n], v_pool.page_scores[p_offset + 1 : p_offset + p_n],
                        v_pool.page_reasons[p_offset + 1 : p_offset + p_n]) WITH ORDINALITY AS k(item_id, score, reasons, n);
            RETURN v_page;
        END IF;
        v_keep := NULL;
        v_keys := v_pool.external_ids || '{}'::text[];
        v_scores := v_pool.scores || '{}'::double precision[];
        v_eng := v_pool.engagement || '{}'::double precision[];
        v_cats := v_pool.categories || '{}'::integer[];
    ELSE
        SELECT coalesce(array_agg(k.n ORDER BY k.n), '{}'), array_agg(k.external_id ORDER BY k.n),
               array_agg(k.score ORDER BY k.n), array_agg(k.engagement ORDER BY k.n), array_agg(k.category ORDER BY k.n)
        INTO v_keep, v_keys, v_scores, v_eng, v_cats
        FROM unnest(v_pool.items, v_pool.external_ids, v_pool.scores, v_pool.engagement, v_pool.categories)
             WITH ORDINALITY AS k(item_id, external_id, score, engagement, category, n)
        JOIN pgrec.items AS i ON i.id = k.item_id
        WHERE pgrec.is_live(i.status, i.created_at, i.expires_at, v_now) AND NOT k.item_id = ANY (v_dropped);
        IF cardinality(v_keep) < p_offset + p_n AND cardinality(v_keep) < cardinality(v_pool.items) THEN
            RETURN NULL;  -- the pool ran short: the full pipeline has more to offer
        END IF;
    END IF;

    SELECT * INTO v_params FROM pgrec.strategies AS s
    WHERE s.name = CASE WHEN v_pool.cold THEN (SELECT x.cold_start FROM pgrec.strategies AS x WHERE x.name = p_strategy)
                        ELSE p_strategy END;
    v_page := rec._pool_page(v_keys, v_scores, v_eng, v_cats, v_keep, v_pool.reasons, v_pool.cutoff_categories,
                             v_pool.cutoff_scores, v_params.diversity_penalty, v_params.max_per_category,
                             v_params.category_window, p_offset + p_n);
    IF cardinality(v_page) < p_offset + p_n THEN
        RETURN NULL;
    END IF;
    RETURN v_page[p_offset + 1 : p_offset + p_n];
END;
$$;
COMMENT ON FUNCTION rec._pooled_feed(text, text, integer, integer) IS
'Internal: a feed page from the user''s precomputed pool, exactly as the full pipeline would serve it, or NULL when the pool cannot tell.';

-- Planned once per session on one node. Left to itself the plan cache re-plans the read of the
-- user's events on every call (over the monthly partitions a custom plan is estimated cheaper
-- than a generic one), about 0.4 ms of a call that costs one or two. Citus cannot run generic
-- plans of these queries (0A000), so on a cluster they stay custom.
DO $$
BEGIN
    IF NOT pgrec.citus_enabled() THEN
        ALTER FUNCTION rec._pooled_feed(text, text, integer, integer) SET plan_cache_mode = force_generic_plan;
    END IF;
END;
$$;
