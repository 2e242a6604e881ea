-- The items worth scoring for one feed call, from bounded sources, each read from an index or
-- a precomputed list, so the cost per call does not grow with the catalogue or the event
-- table. With k = the strategy's candidate_limit and w = a signal's weight in this call:
--   collaborative  the user's k best neighbour items (already in the context)
--   vector         the nearest embeddings to the user vector (HNSW; when live-item filtering
--                  leaves it short, again with pgvector >= 0.8's iterative scan)
--   tags           top items (pgrec.tag_top_items) of the user's 10 strongest declared or
--                  interest tags, at least 10 per tag
--   nearby         the nearest located items (GiST on point(lon, lat))
--   popular        the k/2 most engaging items (pgrec.item_stats)
--   trending       the k/4 top of pgrec.trending
--   fresh          the k/4 newest live items, so brand-new items get a chance
-- The weighted sources take a share of the pool that follows their weight, 2 w k items
-- (at least 10, at most k/2), and are skipped when w < 0.05: their items would rarely reach
-- a page on that signal. That matters most for the HNSW walk, the most expensive source: the
-- default strategy barely weighs content and skips it, explore takes the full k/2.
-- Scoring costs per candidate, so the pool is a few hundred items at most: plenty for the
-- pages a feed is read in. Exclusions are applied by rec._feed_scores, which reports them
-- (rec.explain shows why an item is left out).
CREATE FUNCTION rec._feed_candidates(p_ctx rec.feed_context)
RETURNS SETOF bigint
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, public
AS $$
DECLARE
    v_k         constant integer := p_ctx.candidate_limit;
    v_w_tags    constant float8 := coalesce((p_ctx.weights ->> 'explicit')::float8, 0)
                                   + coalesce((p_ctx.weights ->> 'tags')::float8, 0);
    v_w_near    constant float8 := coalesce((p_ctx.weights ->> 'location')::float8, 0);
    v_w_trend   constant float8 := coalesce((p_ctx.weights ->> 'trending')::float8, 0);
    v_w_vector  constant float8 := coalesce((p_ctx.weights ->> 'vector')::float8, 0);
    v_tags      integer[];
    v_size      integer;
    v_scan      text;
    v_search    text;
    v_found     bigint;
BEGIN
    RETURN QUERY SELECT unnest(p_ctx.collab_items);

    IF v_w_tags >= 0.05 THEN
        SELECT array_agg(t.tag_id) INTO v_tags
        FROM (SELECT x.tag_id FROM unnest(p_ctx.pref_tags || p_ctx.interest_tags,
                                          p_ctx.pref_weights || p_ctx.interest_weights) AS x(tag_id, w)
              GROUP BY x.tag_id
              ORDER BY max(x.w) DESC, x.tag_id
              LIMIT 10) AS t;
        IF v_tags IS NOT NULL THEN
            v_size := least(v_k / 2, greatest(10, round(2 * v_w_tags * v_k)::integer));
            RETURN QUERY SELECT tt.item_id FROM pgrec.tag_top_items AS tt
                         WHERE tt.tag_id = ANY (v_tags)
                           AND tt.rank <= greatest(v_size / cardinality(v_tags), 10);
        END IF;
    END IF;

    IF v_w_near >= 0.05 THEN
        RETURN QUERY SELECT i.id FROM pgrec.items AS i
                     WHERE i.status = 'active' AND i.lat IS NOT NULL
                     ORDER BY point(i.lon, i.lat) <-> point(p_ctx.lon, p_ctx.lat)
                     LIMIT least(v_k / 2, greatest(10, round(2 * v_w_near * v_k)::integer));
    END IF;

    IF v_w_trend >= 0.05 THEN
        RETURN QUERY SELECT tr.item_id FROM pgrec.trending AS tr
                     WHERE tr.basis = 'velocity'
                     ORDER BY tr.score DESC, tr.item_id
                     LIMIT v_k / 4;
    END IF;

    RETURN QUERY SELECT s.item_id FROM pgrec.item_stats AS s
                 ORDER BY s.engagement_score DESC, s.item_id
                 LIMIT v_k / 2;

    RETURN QUERY SELECT i.id FROM pgrec.items AS i
                 WHERE i.status = 'active' AND i.created_at <= p_ctx.now
                 ORDER BY i.created_at DESC
                 LIMIT greatest(v_k / 4, 10);

    IF p_ctx.user_vector IS NOT NULL AND v_w_vector >= 0.05 THEN
        v_size := least(v_k / 2, greatest(10, round(2 * v_w_vector * v_k)::integer));
        -- A plain HNSW scan returns at most ef_search rows before the live-item filter; that
        -- is cheapest and almost always enough (nearly every item is live). When the filter
        -- left it short, walk again with pgvector >= 0.8's iterative scan, which keeps going
        -- until enough rows pass (relaxed order is fine: every candidate is re-scored). The
        -- settings are changed for these queries only and put back.
        v_search := current_setting('hnsw.ef_search', true);
        PERFORM set_config('hnsw.ef_search', least(greatest(v_size, 40), 1000)::text, true);
        RETURN QUERY SELECT i.id FROM pgrec.items AS i
                     WHERE i.status = 'active' AND i.created_at <= p_ctx.now
                       AND (i.expires_at IS NULL OR i.expires_at > p_ctx.now)
                     ORDER BY i.embedding <=> p_ctx.user_vector
                     LIMIT v_size;
        GET DIAGNOSTICS v_found = ROW_COUNT;
        IF v_found < v_size AND (SELECT string_to_array(e.extversion, '.')::integer[] >= '{0,8}'
                                 FROM pg_extension AS e WHERE e.extname = 'vector') THEN
            v_scan := current_setting('hnsw.iterative_scan', true);
            PERFORM set_config('hnsw.iterative_scan', 'relaxed_order', true);
            RETURN QUERY SELECT i.id FROM pgrec.items AS i
                         WHERE i.status = 'active' AND i.created_at <= p_ctx.now
                           AND (i.expires_at IS NULL OR i.expires_at > p_ctx.now)
                         ORDER BY i.embedding <=> p_ctx.user_vector
                         LIMIT v_size;
            PERFORM set_config('hnsw.iterative_scan', coalesce(nullif(v_scan, ''), 'off'), true);
        END IF;
        PERFORM set_config('hnsw.ef_search', coalesce(nullif(v_search, ''), '40'), true);
    END IF;
END;
$$;
COMMENT ON FUNCTION rec._feed_candidates(rec.feed_context) IS
'Internal: candidate item ids for a feed call from bounded sources (neighbours, HNSW, tag top lists, nearby, trending, popular, fresh), sized by signal weight; may repeat ids.';
