-- The items worth scoring for one call, from bounded sources, each read from an index or a
-- precomputed list, so the cost per call does not grow with the catalogue or the event table.
-- How many each proposes was decided in the context (c.sources, by the weight of its signals):
--   collaborative, ease, als, sequence, keyword, trending, contemporary
--             the best entries of the lists the context computed (the fitted models' lists
--             hold each user's best items by model score)
--   tags      the top items (pgrec.tag_top_items) of the 10 strongest declared or anchor tags
--   vector    the nearest embeddings to the anchor vector (rec._vector_nearest)
--   nearby    the nearest located items to the anchor point (GiST on point(lon, lat), walked in
--             k-nearest order; across the date line again from the point shifted by 360
--             degrees; around a pole the whole polar band the reach covers)
--   popular   the most engaging items (pgrec.item_stats)
--   fresh     the newest live items, so brand-new items get a chance
--   following the newest live items of the creators the user follows (pgrec.follows through
--             items_creator), so what they publish reaches the list before anyone engaged with it
-- A call with given items (rec.rank) has exactly those as candidates.
-- Ids may repeat. Eligibility and exclusions are applied when scoring (rec._score), which
-- reports them, so rec.explain can say why an item is left out.
CREATE FUNCTION rec._candidates(c rec.list_context) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_size   integer;
    v_tags   integer[];
    v_km_per_degree constant double precision := 111.195;  -- one degree of latitude
    v_dlat   double precision;
    v_dlon   double precision;
    v_mirror point;
    v_polar  box;
BEGIN
    -- rec.rank: the caller brought the candidates.
    IF c.given_items IS NOT NULL THEN
        RETURN QUERY SELECT unnest(c.given_items);
        RETURN;
    END IF;
    RETURN QUERY SELECT unnest(c.collab_items[1:coalesce((c.sources ->> 'collaborative')::integer, 0)]);
    RETURN QUERY SELECT unnest(c.ease_items[1:coalesce((c.sources ->> 'ease')::integer, 0)]);
    RETURN QUERY SELECT unnest(c.als_items[1:coalesce((c.sources ->> 'als')::integer, 0)]);
    RETURN QUERY SELECT unnest(c.seq_items[1:coalesce((c.sources ->> 'sequence')::integer, 0)]);
    RETURN QUERY SELECT unnest(c.keyword_items[1:coalesce((c.sources ->> 'keyword')::integer, 0)]);
    RETURN QUERY SELECT unnest(c.trend_items[1:coalesce((c.sources ->> 'trending')::integer, 0)]);
    RETURN QUERY SELECT unnest(c.period_items[1:coalesce((c.sources ->> 'contemporary')::integer, 0)]);

    v_size := coalesce((c.sources ->> 'tags')::integer, 0);
    IF v_size > 0 THEN
        SELECT array_agg(t.tag_id) INTO v_tags
        FROM (SELECT x.tag_id FROM unnest((c.u).pref_tags || c.anchor_tags,
                                          (SELECT array_agg(p / nullif((c.u).pref_norm, 0)) FROM unnest((c.u).pref_weights) AS p)
                                          || c.anchor_tag_weights) AS x(tag_id, w)
              GROUP BY x.tag_id
              ORDER BY max(x.w) DESC NULLS LAST, x.tag_id
              LIMIT 10) AS t;
        IF v_tags IS NOT NULL THEN
            RETURN QUERY SELECT tt.item_id FROM pgrec.tag_top_items AS tt
                         WHERE tt.tag_id = ANY (v_tags)
                           AND tt.rank <= greatest(v_size / cardinality(v_tags), 10);
        END IF;
    END IF;

    v_size := coalesce((c.sources ->> 'nearby')::integer, 0);
    IF v_size > 0 AND c.lat IS NOT NULL THEN
        v_dlat := c.reach_km / v_km_per_degree;
        v_dlon := c.reach_km / (v_km_per_degree * greatest(cos(radians(c.lat)), 1e-9));
        IF c.lon + v_dlon > 180 THEN
            v_mirror := point(c.lon - 360, c.lat);
        ELSIF c.lon - v_dlon < -180 THEN
            v_mirror := point(c.lon + 360, c.lat);
        END IF;
        IF abs(c.lat) + v_dlat >= 90 THEN
            v_polar := box(point(-180, CASE WHEN c.lat > 0 THEN c.lat - v_dlat ELSE -90 END),
                           point(180, CASE WHEN c.lat > 0 THEN 90 ELSE c.lat + v_dlat END));
        END IF;
        RETURN QUERY SELECT i.id FROM pgrec.items AS i
                     WHERE i.status = 'active' AND i.lat IS NOT NULL
                     ORDER BY point(i.lon, i.lat) <-> point(c.lon, c.lat)
                     LIMIT v_size;
        IF v_mirror IS NOT NULL THEN
            RETURN QUERY SELECT i.id FROM pgrec.items AS i
                         WHERE i.status = 'active' AND i.lat IS NOT NULL
                         ORDER BY point(i.lon, i.lat) <-> v_mirror
                         LIMIT v_size;
        END IF;
        IF v_polar IS NOT NULL THEN
            RETURN QUERY SELECT i.id FROM pgrec.items AS i
                         WHERE i.status = 'active' AND i.lat IS NOT NULL AND point(i.lon, i.lat) <@ v_polar
                         LIMIT 10 * v_size;
        END IF;
    END IF;

    v_size := coalesce((c.sources ->> 'popular')::integer, 0);
    IF v_size > 0 THEN
        RETURN QUERY SELECT s.item_id FROM pgrec.item_stats AS s
                     WHERE c.tags_filter IS NULL
                        OR EXISTS (SELECT FROM pgrec.items AS i WHERE i.id = s.item_id AND i.tag_ids && c.tags_filter)
                     ORDER BY s.engagement_score DESC, s.item_id
                     LIMIT v_size;
    END IF;

    v_size := coalesce((c.sources ->> 'fresh')::integer, 0);
    IF v_size > 0 THEN
        RETURN QUERY SELECT i.id FROM pgrec.items AS i
                     WHERE pgrec.is_live(i.status, i.created_at, i.expires_at, c.now)
                       AND (c.tags_filter IS NULL OR i.tag_ids && c.tags_filter)
                     ORDER BY i.created_at DESC, i.id
                     LIMIT v_size;
    END IF;

    v_size := coalesce((c.sources ->> 'following')::integer, 0);
    IF v_size > 0 AND cardinality((c.u).followed_creators) > 0 THEN
        RETURN QUERY SELECT i.id FROM pgrec.items AS i
                     WHERE i.creator_id = ANY ((c.u).followed_creators)
                       AND pgrec.is_live(i.status, i.created_at, i.expires_at, c.now)
                       AND (c.tags_filter IS NULL OR i.tag_ids && c.tags_filter)
                     ORDER BY i.created_at DESC, i.id
                     LIMIT v_size;
    END IF;

    v_size := coalesce((c.sources ->> 'vector')::integer, 0);
    IF v_size > 0 AND c.anchor_vector IS NOT NULL THEN
        RETURN QUERY SELECT rec._vector_nearest(c.anchor_vector, v_size, c.now);
    END IF;
END;
$$;
COMMENT ON FUNCTION rec._candidates(rec.list_context) IS
'Internal: candidate item ids of a list call from bounded sources (lists, tag top lists, HNSW, nearby, popular, fresh, followed creators), sized by signal weight; may repeat ids.';
