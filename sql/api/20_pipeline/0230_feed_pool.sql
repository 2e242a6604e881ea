-- Precomputed feeds (pgrec.feed_pools): what a pool depends on, and serving a page from one.

-- The digest of everything a pool's scores depend on besides events and time: the strategy
-- row (weights, parameters, its cold-start strategy's row), the rules active now, the model
-- fits and the user's row and tags (preferences, location, personalisation). A pool whose
-- digest differs is not used.
-- In three parts, so the refresh step can compare the digests of many users in one query that
-- Citus runs on each worker: the part every user shares (catalogue tables, computed once), and
-- the user's own part from columns of the user's row and tags (joined on the user's shard).
CREATE FUNCTION rec._feed_pool_shared(p_strategy text)
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
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
-- runs on the workers as the expression itself).
CREATE FUNCTION rec._feed_pool_digest(p_shared text, p_updated_at timestamptz, p_personalization boolean, p_tags text)
RETURNS text
LANGUAGE sql STABLE
RETURN md5(concat_ws('|', p_shared, p_updated_at::text || p_personalization::text, p_tags));
COMMENT ON FUNCTION rec._feed_pool_digest(text, timestamptz, boolean, text) IS
'Internal: a feed pool''s digest from the shared part and the user''s row (updated_at, personalization) and tags.';

-- The user's tags as the digest reads them (rec._feed_pool_digest's p_tags).
CREATE FUNCTION rec._feed_pool_tags(p_tag_ids integer[], p_weights real[], p_blocked boolean[])
RETURNS text
LANGUAGE sql IMMUTABLE
RETURN (SELECT string_agg(t.tag_id || ':' || t.weight || ':' || t.blocked, ',' ORDER BY t.tag_id)
        FROM unnest(p_tag_ids, p_weights, p_blocked) AS t(tag_id, weight, blocked));
COMMENT ON FUNCTION rec._feed_pool_tags(integer[], real[], boolean[]) IS
'Internal: a user''s tags (id:weight:blocked, by id) for the feed pool digest.';

CREATE FUNCTION rec._feed_pool_version(p_strategy text, p_user_id bigint)
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_user pgrec.users;
    v_tags text;
BEGIN
    SELECT * INTO v_user FROM pgrec.users AS u WHERE u.id = p_user_id;
    SELECT rec._feed_pool_tags(array_agg(t.tag_id), array_agg(t.weight), array_agg(t.blocked)) INTO v_tags
    FROM pgrec.user_tags AS t WHERE t.user_id = p_user_id;
    RETURN rec._feed_pool_digest(rec._feed_pool_shared(p_strategy), v_user.updated_at, v_user.personalization, v_tags);
END;
$$;
COMMENT ON FUNCTION rec._feed_pool_version(text, bigint) IS
'Internal: digest of what a precomputed feed depends on besides events and time (strategy, rules, models, the user''s preferences).';

-- A page of the feed from the user's pool, or NULL when the pool cannot answer exactly as the
-- full pipeline would (no pool, another version or clock, older than an hour, a page deeper
-- than it holds, or an event since it was built that changes scores). What it does with events
-- since the build: each one's item drops out when the pool's exclusion policy leaves it out;
-- any other effect (a positive event, a view the policy keeps and penalises, an event in a new
-- month for the signal contemporary, an event of a user who was below the cold-start
-- thresholds) means NULL. Items that stopped being live drop
-- out. Diversity and the page are computed afresh over what is left (rec._diversify).
CREATE FUNCTION rec._pooled_feed(p_user_id text, p_strategy text, p_n integer, p_offset integer)
RETURNS rec.ranked_item[]
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_pool    pgrec.feed_pools;
    v_policy  pgrec.exclusion_policies;
    v_params  pgrec.strategies;
    v_now     constant timestamptz := rec.now();
    v_dropped bigint[];
    v_keep    integer[];
    v_page    rec.ranked_item[];
    v_user    bigint;
BEGIN
    IF current_setting('rec.pools', true) = 'off' THEN
        RETURN NULL;  -- a session that wants the full pipeline (tests, comparisons)
    END IF;
    -- The internal id first: then the pool is read from the user's shard alone on Citus.
    v_user := rec._user_id(p_user_id);
    SELECT p.* INTO v_pool FROM pgrec.feed_pools AS p WHERE p.user_id = v_user AND p.strategy = p_strategy;
    IF NOT FOUND OR p_offset + p_n > cardinality(v_pool.items)
       OR v_pool.as_of <> v_now AND (current_setting('rec.as_of', true) <> '' OR v_now - v_pool.built_at > interval '1 hour')
       OR v_pool.version <> rec._feed_pool_version(p_strategy, v_pool.user_id) THEN
        RETURN NULL;
    END IF;
    SELECT * INTO v_policy FROM pgrec.exclusion_policies AS x WHERE x.name = v_pool.policy;

    -- The user's events since the build (newest first: the index events_user_time).
    IF EXISTS (SELECT FROM pgrec.weighted_events AS e
               WHERE e.user_id = v_pool.user_id AND e.id > v_pool.last_event_id AND e.occurred_at <= v_now
                 AND (v_pool.cold OR e.polarity > 0
                      -- the signal contemporary counts the months up to the latest event
                      OR date_trunc('month', e.occurred_at, 'UTC') > date_trunc('month', v_pool.latest_at, 'UTC')
                      -- a rejection makes its item dismissed, acted on and interacted with; an
                      -- exposure only interacted with (and, where that is kept, penalised)
                      OR NOT CASE WHEN e.polarity < 0 THEN v_policy.dismissed OR v_policy.acted OR v_policy.interacted
                                  ELSE v_policy.interacted END)) THEN
        RETURN NULL;
    END IF;
    SELECT coalesce(array_agg(DISTINCT e.item_id), '{}') INTO v_dropped
    FROM pgrec.events AS e
    WHERE e.user_id = v_pool.user_id AND e.id > v_pool.last_event_id AND e.occurred_at <= v_now;

    -- What is still listable, in pool order.
    SELECT coalesce(array_agg(k.n ORDER BY k.n), '{}') INTO v_keep
    FROM unnest(v_pool.items) WITH ORDINALITY AS k(item_id, n)
    JOIN pgrec.items AS i ON i.id = k.item_id
    WHERE pgrec.is_live(i.status, i.created_at, i.expires_at, v_now) AND NOT k.item_id = ANY (v_dropped);
    IF cardinality(v_keep) < p_offset + p_n AND cardinality(v_keep) < cardinality(v_pool.items) THEN
        RETURN NULL;  -- the pool ran short: the full pipeline has more to offer
    END IF;

    SELECT * INTO v_params FROM pgrec.strategies AS s
    WHERE s.name = CASE WHEN v_pool.cold THEN (SELECT x.cold_start FROM pgrec.strategies AS x WHERE x.name = p_strategy)
                        ELSE p_strategy END;
    WITH page AS (
        SELECT d.*, v_keep[d.idx] AS k
        FROM rec._diversify(ARRAY(SELECT v_pool.scores[k] FROM unnest(v_keep) AS k),
                            ARRAY(SELECT v_pool.engagement[k] FROM unnest(v_keep) AS k),
                            ARRAY(SELECT v_pool.external_ids[k] FROM unnest(v_keep) AS k),
                            ARRAY(SELECT v_pool.categories[k] FROM unnest(v_keep) AS k),
                            v_params.diversity_penalty, v_params.max_per_category, v_params.category_window,
                            p_offset + p_n) WITH ORDINALITY AS d(idx, score, adjusted, forced, n)
    )
    SELECT CASE WHEN v_pool.cutoff IS NOT NULL
                     -- a candidate left out of the pool (scoring at most the cutoff) could
                     -- have taken a place on this page: only the full pipeline can tell
                     AND (bool_or(p.forced) OR min(p.adjusted) <= v_pool.cutoff) THEN NULL
                ELSE coalesce(array_agg(ROW(v_pool.external_ids[p.k], p.score,
                                            CASE WHEN p.score = v_pool.scores[p.k] THEN v_pool.reasons -> (p.k - 1)
                                                 ELSE jsonb_set(v_pool.reasons -> (p.k - 1), '{terms,diversity}',
                                                                to_jsonb(p.score - v_pool.scores[p.k])) END
                                           )::rec.ranked_item ORDER BY p.n) FILTER (WHERE p.n > p_offset), '{}') END
    INTO v_page
    FROM page AS p;
    RETURN v_page;
END;
$$;
COMMENT ON FUNCTION rec._pooled_feed(text, text, integer, integer) IS
'Internal: a feed page from the user''s precomputed pool, exactly as the full pipeline would serve it, or NULL when the pool cannot tell.';
