-- The body of rec.similar_items (see 0630): plpgsql cannot have a parameter named like an
-- output column (item_id), so the public function is a one-line SQL wrapper.
--
-- Items like a given one. Candidates come from three capped sources:
--   embedding      the 40 nearest live items by cosine distance (HNSW index)
--   collaborative  the item's 50 best neighbours in pgrec.item_neighbors ("people who liked
--                  this also liked")
--   tags           live items carrying all of the item's tags, or all but one (at most 20
--                  per tag combination, through the GIN index): the ones with the highest
--                  Jaccard, found without scoring every item that shares a single tag
-- and every candidate is scored on all three:
--   0.5 * embedding (cosine similarity, 0..1) + 0.3 * collaborative (neighbour score, 0..1)
--   + 0.2 * tags (Jaccard |A ∩ B| / |A ∪ B|, 0..1)
-- A term the item has no data for (no embedding yet, no neighbours, no tags) drops out and
-- the remaining weights are renormalised. The item itself is never listed; with user_id,
-- neither is anything that user interacted with, created, or tagged with a blocked tag.
CREATE FUNCTION rec._similar_items(p_item_id text, p_n integer, p_user_id text)
RETURNS TABLE (item_id text, score double precision, reasons jsonb)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, public
AS $$
#variable_conflict use_column
DECLARE
    v_now      constant timestamptz := rec.now();
    v_pool     constant integer := 50;
    -- hnsw.ef_search's default: one walk of the graph yields them, no iterative second pass.
    v_nearest  constant integer := 40;
    v_src      pgrec.items;
    v_user     record;
    v_has_nb   boolean;
    v_we       double precision;   -- weights of embedding, collaborative, tags
    v_wc       double precision;
    v_wt       double precision;
    v_total    double precision;
    v_old_scan text;
BEGIN
    PERFORM rec._check_id('item_id', p_item_id);
    PERFORM rec._check_page(p_n, 0);
    SELECT * INTO v_src FROM pgrec.items AS i WHERE i.external_id = p_item_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown item "%"', p_item_id
            USING ERRCODE = 'P0002', HINT = 'Create items with rec.upsert_items first.';
    END IF;
    SELECT * INTO v_user FROM rec._user_context(p_user_id, v_now, false);

    v_has_nb := EXISTS (SELECT FROM pgrec.item_neighbors AS nb WHERE nb.item_id = v_src.id);
    v_we := CASE WHEN v_src.embedding IS NOT NULL THEN 0.5 ELSE 0 END;
    v_wc := CASE WHEN v_has_nb THEN 0.3 ELSE 0 END;
    v_wt := CASE WHEN cardinality(v_src.tag_ids) > 0 THEN 0.2 ELSE 0 END;
    v_total := v_we + v_wc + v_wt;
    IF v_total = 0 THEN
        RETURN;  -- nothing is known about this item yet: no basis for "similar"
    END IF;
    v_we := v_we / v_total;
    v_wc := v_wc / v_total;
    v_wt := v_wt / v_total;

    -- The nearest-neighbour scan filters out hidden items after the index walk; the iterative
    -- scan keeps walking until enough live ones are found instead of returning fewer than
    -- asked. Restored afterwards so the caller's later queries are unaffected.
    IF v_src.embedding IS NOT NULL THEN
        v_old_scan := current_setting('hnsw.iterative_scan', true);
        PERFORM set_config('hnsw.iterative_scan', 'relaxed_order', true);
    END IF;

    RETURN QUERY
    WITH by_embedding AS MATERIALIZED (
        SELECT i.id
        FROM pgrec.items AS i
        WHERE v_src.embedding IS NOT NULL
          AND i.status = 'active'
          AND i.id <> v_src.id
        ORDER BY i.embedding <=> v_src.embedding
        LIMIT v_nearest
    ),
    by_neighbors AS (
        SELECT nb.neighbor_id AS id
        FROM pgrec.item_neighbors AS nb
        WHERE nb.item_id = v_src.id
        ORDER BY nb.score DESC, nb.neighbor_id
        LIMIT v_pool
    ),
    tag_sets AS (
        SELECT v_src.tag_ids AS tags
        WHERE cardinality(v_src.tag_ids) > 0
        UNION
        SELECT array_remove(v_src.tag_ids, t.id)
        FROM unnest(v_src.tag_ids) AS t(id)
        WHERE cardinality(v_src.tag_ids) > 1
    ),
    by_tags AS (
        SELECT DISTINCT m.id
        FROM tag_sets AS ts
        CROSS JOIN LATERAL (SELECT i.id FROM pgrec.items AS i
                            WHERE i.tag_ids @> ts.tags AND i.status = 'active' AND i.id <> v_src.id
                            LIMIT 20) AS m
    ),
    seen AS (
        -- One pass over the user's events (index-only on events_user_time), then an anti-join,
        -- rather than a probe per candidate.
        SELECT DISTINCT e.item_id AS id
        FROM pgrec.events AS e
        WHERE e.user_id = v_user.id AND e.occurred_at <= v_now
    ),
    terms AS (
        SELECT i.external_id,
               v_we * greatest(coalesce(1 - (i.embedding <=> v_src.embedding), 0), 0) AS embedding,
               v_wc * coalesce(nb.score, 0) AS collaborative,
               v_wt * CASE WHEN cardinality(i.tag_ids) = 0 OR cardinality(v_src.tag_ids) = 0 THEN 0
                           ELSE j.shared::double precision / (cardinality(i.tag_ids) + cardinality(v_src.tag_ids) - j.shared) END AS tags
        FROM (SELECT id FROM by_embedding UNION SELECT id FROM by_neighbors UNION SELECT id FROM by_tags) AS c
        JOIN pgrec.items AS i ON i.id = c.id
        LEFT JOIN pgrec.item_neighbors AS nb ON nb.item_id = v_src.id AND nb.neighbor_id = i.id
        CROSS JOIN LATERAL (SELECT count(*) AS shared FROM unnest(i.tag_ids) AS t(id) WHERE t.id = ANY (v_src.tag_ids)) AS j
        WHERE i.status = 'active'
          AND i.created_at <= v_now
          AND (i.expires_at IS NULL OR i.expires_at > v_now)
          AND NOT i.tag_ids && v_user.blocked
          AND (p_user_id IS NULL OR i.creator_id IS DISTINCT FROM p_user_id)
          AND NOT EXISTS (SELECT FROM seen WHERE seen.id = i.id)
    ),
    top AS (
        SELECT t.*, t.embedding + t.collaborative + t.tags AS total
        FROM terms AS t
        WHERE t.embedding + t.collaborative + t.tags > 0
        ORDER BY t.embedding + t.collaborative + t.tags DESC, t.external_id
        LIMIT p_n
    )
    SELECT r.external_id,
           r.total,
           jsonb_build_object(
               'terms', jsonb_strip_nulls(jsonb_build_object(
                   'embedding',     CASE WHEN v_we > 0 THEN r.embedding END,
                   'collaborative', CASE WHEN v_wc > 0 THEN r.collaborative END,
                   'tags',          CASE WHEN v_wt > 0 THEN r.tags END)),
               'reasons', to_jsonb(array_remove(ARRAY[
                   CASE WHEN r.embedding > 0.8 * v_we AND v_we > 0 THEN 'similar content' END,
                   CASE WHEN r.collaborative > 0.2 * v_wc AND v_wc > 0 THEN 'people who liked '
                        || coalesce(nullif(v_src.title, ''), v_src.external_id) || ' also liked this' END,
                   CASE WHEN r.tags >= 0.5 * v_wt AND v_wt > 0 THEN 'shares most of its tags'
                        WHEN r.tags > 0 THEN 'shares tags' END], NULL)))
    FROM top AS r
    ORDER BY r.total DESC, r.external_id;

    IF v_src.embedding IS NOT NULL THEN
        PERFORM set_config('hnsw.iterative_scan', coalesce(v_old_scan, 'off'), true);
    END IF;
END;
$$;
COMMENT ON FUNCTION rec._similar_items(text, integer, text) IS 'Internal: the body of rec.similar_items.';
