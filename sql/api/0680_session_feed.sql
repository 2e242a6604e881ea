-- Recommendations for an anonymous visitor from the items viewed in this session (oldest
-- first, as the browser collected them; the last one matters most). Candidates and terms:
--   collaborative  neighbours (pgrec.item_neighbors) of the session items, each weighted by
--                  how recent it is in the session (last 1, the one before 1/2, ...)
--   sequence       what users did next after the last three items (pgrec.item_transitions)
--   content        cosine similarity to the mean embedding of the session items (the 40
--                  nearest through the HNSW index are candidates)
--   tags           share of the candidate's tags found among the session items' tags (the 50
--                  newest items sharing a tag are candidates too)
--   popularity     engagement score, so that there is always a sensible order
-- score = 0.35 collaborative + 0.2 sequence + 0.25 content + 0.1 tags + 0.1 popularity, each
-- scaled 0..1; terms with no data for this session drop out and the rest is renormalised.
-- Session items are never recommended back. Ids pgrec does not know are ignored (a stale id
-- in a browser must not break the page); with no known item the visitor gets the 24-hour
-- trending list.
CREATE FUNCTION rec.session_feed(item_ids text[], n integer DEFAULT 20)
RETURNS TABLE (item_id text, score double precision, reasons jsonb)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
#variable_conflict use_column
DECLARE
    v_now      constant timestamptz := rec.now();
    v_pool     constant integer := 200;
    v_session  bigint[];      -- known session items, most recent first
    v_centroid public.vector;
    v_tags     integer[];
    v_w        jsonb;
    v_old_scan text;
BEGIN
    IF item_ids IS NULL THEN
        RAISE EXCEPTION 'item_ids must not be null' USING ERRCODE = '22004', HINT = 'Pass ARRAY[]::text[] for an empty session.';
    END IF;
    IF cardinality(item_ids) > 100 THEN
        RAISE EXCEPTION 'item_ids holds % items; the limit is 100', cardinality(item_ids)
            USING ERRCODE = '22023', HINT = 'Send the most recent 100 items of the session.';
    END IF;
    IF array_position(item_ids, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'item_ids[%] is null', array_position(item_ids, NULL) USING ERRCODE = '22004';
    END IF;
    PERFORM rec._check_page(n, 0);

    SELECT array_agg(i.id ORDER BY x.ord DESC) INTO v_session
    FROM (SELECT ext, max(ord) AS ord FROM unnest(item_ids) WITH ORDINALITY AS u(ext, ord) GROUP BY ext) AS x
    JOIN pgrec.items AS i ON i.external_id = x.ext;

    IF v_session IS NULL THEN
        RETURN QUERY SELECT * FROM rec.trending(n);
        RETURN;
    END IF;

    SELECT public.avg(i.embedding) INTO v_centroid FROM pgrec.items AS i WHERE i.id = ANY (v_session);
    SELECT coalesce(array_agg(DISTINCT t.id), '{}') INTO v_tags
    FROM pgrec.items AS i CROSS JOIN LATERAL unnest(i.tag_ids) AS t(id)
    WHERE i.id = ANY (v_session);

    SELECT jsonb_object_agg(k, w / total) INTO v_w
    FROM (SELECT k, w, sum(w) OVER () AS total
          FROM (VALUES ('collaborative', 0.35, EXISTS (SELECT FROM pgrec.item_neighbors AS nb WHERE nb.item_id = ANY (v_session))),
                       ('sequence',      0.2,  EXISTS (SELECT FROM pgrec.item_transitions AS t WHERE t.item_id = ANY (v_session[1:3]))),
                       ('content',       0.25, v_centroid IS NOT NULL),
                       ('tags',          0.1,  cardinality(v_tags) > 0),
                       ('popularity',    0.1,  true)) AS t(k, w, active)
          WHERE active) AS weights;

    IF v_centroid IS NOT NULL THEN
        v_old_scan := current_setting('hnsw.iterative_scan', true);
        PERFORM set_config('hnsw.iterative_scan', 'relaxed_order', true);
    END IF;

    RETURN QUERY
    WITH session AS (
        SELECT s.id, s.pos FROM unnest(v_session) WITH ORDINALITY AS s(id, pos)
    ),
    collab AS (
        SELECT nb.neighbor_id AS id, sum(nb.score / s.pos) AS raw
        FROM session AS s
        JOIN pgrec.item_neighbors AS nb ON nb.item_id = s.id
        GROUP BY nb.neighbor_id
        ORDER BY raw DESC
        LIMIT v_pool
    ),
    sequence AS (
        SELECT t.next_item_id AS id, sum(t.score / s.pos) AS raw
        FROM session AS s
        JOIN pgrec.item_transitions AS t ON t.item_id = s.id
        WHERE s.pos <= 3
        GROUP BY t.next_item_id
    ),
    content AS MATERIALIZED (
        SELECT i.id
        FROM pgrec.items AS i
        WHERE v_centroid IS NOT NULL AND i.status = 'active'
        ORDER BY i.embedding <=> v_centroid
        LIMIT 40
    ),
    by_tags AS (
        -- The newest items sharing a tag (a walk down items_live_created that stops early), so
        -- that items without events yet have a way in; engaging ones come through the other pools.
        SELECT i.id
        FROM pgrec.items AS i
        WHERE i.tag_ids && v_tags AND i.status = 'active' AND i.created_at <= v_now
        ORDER BY i.created_at DESC
        LIMIT 50
    ),
    popular AS (
        SELECT t.item_id AS id FROM pgrec.trending AS t ORDER BY t.score DESC, t.item_id LIMIT 50
    ),
    candidates AS (
        SELECT id FROM collab UNION SELECT id FROM sequence UNION SELECT id FROM content
        UNION SELECT id FROM by_tags UNION SELECT id FROM popular
    ),
    terms AS (
        SELECT i.external_id,
               coalesce(c.raw, 0) AS collab_raw,
               coalesce(q.raw, 0) AS sequence_raw,
               greatest(coalesce(1 - (i.embedding <=> v_centroid), 0), 0) AS content_raw,
               CASE WHEN cardinality(i.tag_ids) = 0 THEN 0
                    ELSE (SELECT count(*) FROM unnest(i.tag_ids) AS x(id) WHERE x.id = ANY (v_tags))::double precision
                         / cardinality(i.tag_ids) END AS tags_raw,
               coalesce(st.engagement_score, 0) AS popularity_raw
        FROM candidates AS k
        JOIN pgrec.items AS i ON i.id = k.id
        LEFT JOIN collab AS c ON c.id = k.id
        LEFT JOIN sequence AS q ON q.id = k.id
        LEFT JOIN pgrec.item_stats AS st ON st.item_id = k.id
        WHERE i.status = 'active'
          AND i.created_at <= v_now
          AND (i.expires_at IS NULL OR i.expires_at > v_now)
          AND i.id <> ALL (v_session)
    ),
    scaled AS (
        SELECT t.*,
               coalesce((v_w ->> 'collaborative')::double precision, 0)
                   * coalesce(t.collab_raw / nullif(max(t.collab_raw) OVER (), 0), 0) AS collaborative,
               coalesce((v_w ->> 'sequence')::double precision, 0)
                   * coalesce(t.sequence_raw / nullif(max(t.sequence_raw) OVER (), 0), 0) AS sequence,
               coalesce((v_w ->> 'content')::double precision, 0) * t.content_raw AS content,
               coalesce((v_w ->> 'tags')::double precision, 0) * t.tags_raw AS tags,
               (v_w ->> 'popularity')::double precision * t.popularity_raw AS popularity
        FROM terms AS t
    ),
    top AS (
        SELECT x.*, x.collaborative + x.sequence + x.content + x.tags + x.popularity AS total
        FROM scaled AS x
        ORDER BY x.collaborative + x.sequence + x.content + x.tags + x.popularity DESC, x.external_id
        LIMIT session_feed.n
    )
    SELECT r.external_id,
           r.total,
           jsonb_build_object(
               'terms', jsonb_strip_nulls(jsonb_build_object(
                   'collaborative', CASE WHEN v_w ? 'collaborative' THEN r.collaborative END,
                   'sequence',      CASE WHEN v_w ? 'sequence' THEN r.sequence END,
                   'content',       CASE WHEN v_w ? 'content' THEN r.content END,
                   'tags',          CASE WHEN v_w ? 'tags' THEN r.tags END,
                   'popularity',    r.popularity)),
               'reasons', to_jsonb(array_remove(ARRAY[
                   CASE WHEN r.collab_raw > 0 THEN 'people who viewed these also liked this' END,
                   CASE WHEN r.sequence_raw > 0 THEN 'what others looked at next' END,
                   CASE WHEN r.content_raw > 0.8 THEN 'similar to what you are viewing' END,
                   CASE WHEN r.tags_raw >= 0.5 THEN 'same topics' END,
                   CASE WHEN r.popularity_raw > 0.6 THEN 'popular' END], NULL)))
    FROM top AS r
    ORDER BY r.total DESC, r.external_id;

    IF v_centroid IS NOT NULL THEN
        PERFORM set_config('hnsw.iterative_scan', coalesce(v_old_scan, 'off'), true);
    END IF;
END;
$$;
COMMENT ON FUNCTION rec.session_feed(text[], integer) IS
'Recommendations for an anonymous session from the items viewed (item_id, score, reasons) best first: neighbours, next-item transitions, embedding centroid, shared tags and popularity. Session items excluded; unknown ids ignored; no known item: the trending list.';
