-- The body of rec.similar_items (see 0630): plpgsql cannot have a parameter named like an
-- output column (item_id), so the public function is a one-line SQL wrapper.
-- Items like a given one. Candidates come from three capped sources:
--   embedding      the 100 nearest live items by cosine distance (HNSW index)
--   collaborative  the item's neighbours in pgrec.item_neighbors ("people who liked this
--                  also liked")
--   tags           the 100 live items with the highest tag Jaccard among those sharing a tag
-- and every candidate is scored on all three:
--   0.5 * embedding (cosine similarity, 0..1) + 0.3 * collaborative (neighbour score, 0..1)
--   + 0.2 * tags (Jaccard, 0..1)
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
    v_now    constant timestamptz := rec.now();
    v_pool   constant integer := 100;
    v_src    pgrec.items;
    v_user   record;
    v_w      jsonb;
    v_old_scan text;
BEGIN
    PERFORM rec._check_id('item_id', p_item_id);
    PERFORM rec._check_page(p_n, 0);
    SELECT * INTO v_src FROM pgrec.items AS i WHERE i.external_id = p_item_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown item "%"', p_item_id
            USING ERRCODE = 'P0002', HINT = 'Create items with rec.upsert_items first.';
    END IF;
    SELECT * INTO v_user FROM rec._user_context(p_user_id, v_now);

    SELECT jsonb_object_agg(k, w / total) INTO v_w
    FROM (SELECT k, w, sum(w) OVER () AS total
          FROM (VALUES ('embedding',     0.5, v_src.embedding IS NOT NULL),
                       ('collaborative', 0.3, EXISTS (SELECT FROM pgrec.item_neighbors AS nb WHERE nb.item_id = v_src.id)),
                       ('tags',          0.2, cardinality(v_src.tag_ids) > 0)) AS t(k, w, active)
          WHERE active) AS weights;
    IF v_w IS NULL THEN
        RETURN;  -- nothing is known about this item yet: no basis for "similar"
    END IF;

    -- The nearest-neighbour scan filters out hidden/expired items after the index walk; the
    -- iterative scan keeps walking until enough live ones are found instead of returning
    -- fewer than asked. Restored afterwards so the caller's later queries are unaffected.
    IF v_src.embedding IS NOT NULL THEN
        v_old_scan := current_setting('hnsw.iterative_scan', true);
        PERFORM set_config('hnsw.iterative_scan', 'relaxed_order', true);
    END IF;

    RETURN QUERY
    WITH seen AS (
        -- One pass over the user's events (index-only on events_user_time), then an anti-join,
        -- rather than a probe per candidate.
        SELECT DISTINCT e.item_id AS id
        FROM pgrec.events AS e
        WHERE e.user_id = v_user.id AND e.occurred_at <= v_now
    ),
    by_embedding AS MATERIALIZED (
        SELECT i.id
        FROM pgrec.items AS i
        WHERE v_src.embedding IS NOT NULL
          AND i.status = 'active'
          AND i.id <> v_src.id
        ORDER BY i.embedding <=> v_src.embedding
        LIMIT v_pool
    ),
    by_neighbors AS (
        SELECT nb.neighbor_id AS id
        FROM pgrec.item_neighbors AS nb
        WHERE nb.item_id = v_src.id
        ORDER BY nb.score DESC, nb.neighbor_id
        LIMIT v_pool
    ),
    by_tags AS (
        SELECT i.id
        FROM pgrec.items AS i
        WHERE i.tag_ids && v_src.tag_ids
          AND i.status = 'active'
          AND i.id <> v_src.id
        ORDER BY rec._jaccard(i.tag_ids, v_src.tag_ids) DESC, i.id
        LIMIT v_pool
    ),
    candidates AS (
        SELECT id FROM by_embedding UNION SELECT id FROM by_neighbors UNION SELECT id FROM by_tags
    ),
    terms AS (
        SELECT i.external_id, i.title,
               greatest(coalesce(1 - (i.embedding <=> v_src.embedding), 0), 0) AS embedding,
               coalesce(nb.score, 0)::double precision AS collaborative,
               rec._jaccard(i.tag_ids, v_src.tag_ids) AS tags
        FROM candidates AS c
        JOIN pgrec.items AS i ON i.id = c.id
        LEFT JOIN pgrec.item_neighbors AS nb ON nb.item_id = v_src.id AND nb.neighbor_id = i.id
        WHERE i.id <> v_src.id
          AND i.status = 'active'
          AND i.created_at <= v_now
          AND (i.expires_at IS NULL OR i.expires_at > v_now)
          AND NOT i.tag_ids && v_user.blocked
          AND (p_user_id IS NULL OR i.creator_id IS DISTINCT FROM p_user_id)
          AND NOT EXISTS (SELECT FROM seen WHERE seen.id = i.id)
    ),
    weighted AS (
        SELECT t.*,
               jsonb_strip_nulls(jsonb_build_object(
                   'embedding',     (v_w ->> 'embedding')::double precision * t.embedding,
                   'collaborative', (v_w ->> 'collaborative')::double precision * t.collaborative,
                   'tags',          (v_w ->> 'tags')::double precision * t.tags)) AS parts
        FROM terms AS t
    ),
    ranked AS (
        SELECT w.*, (SELECT sum(value::double precision) FROM jsonb_each_text(w.parts)) AS total
        FROM weighted AS w
    )
    SELECT r.external_id,
           r.total,
           jsonb_build_object(
               'terms', r.parts,
               'reasons', to_jsonb(array_remove(ARRAY[
                   CASE WHEN r.embedding > 0.8 THEN 'similar content' END,
                   CASE WHEN r.collaborative > 0.2 THEN 'people who liked '
                        || coalesce(nullif(v_src.title, ''), v_src.external_id) || ' also liked this' END,
                   CASE WHEN r.tags >= 0.5 THEN 'shares most of its tags'
                        WHEN r.tags > 0 THEN 'shares tags' END], NULL)))
    FROM ranked AS r
    WHERE r.total > 0
    ORDER BY r.total DESC, r.external_id
    LIMIT p_n;

    IF v_src.embedding IS NOT NULL THEN
        PERFORM set_config('hnsw.iterative_scan', coalesce(v_old_scan, 'off'), true);
    END IF;
END;
$$;
COMMENT ON FUNCTION rec._similar_items(text, integer, text) IS 'Internal: the body of rec.similar_items.';
