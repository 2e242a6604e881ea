-- Recommendations for an anonymous visitor from the items viewed in this session (oldest
-- first, as the browser collected them; the last one matters most). Candidates and terms:
--   collaborative  neighbours (pgrec.item_neighbors) of the session items, each weighted by
--                  how recent it is in the session (last 1, the one before 1/2, ...)
--   sequence       what users did next after the last three items (pgrec.item_transitions)
--   content        cosine similarity to the mean embedding of the session items (HNSW)
--   tags           share of the candidate's tags found among the session items' tags (the 100
--                  most engaging items sharing a tag are candidates too)
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
        LIMIT 100
    ),
    by_tags AS (
        SELECT i.id
        FROM pgrec.items AS i
        LEFT JOIN pgrec.item_stats AS st ON st.item_id = i.id
        WHERE i.tag_ids && v_tags AND i.status = 'active'
        ORDER BY coalesce(st.engagement_score, 0) DESC, i.id
        LIMIT 100
    ),
    popular AS (
        SELECT t.item_id AS id FROM pgrec.trending AS t ORDER BY t.score DESC, t.item_id LIMIT 50
    ),
    candidates AS (
        SELECT id FROM collab UNION SELECT id FROM sequence UNION SELECT id FROM content
        UNION SELECT id FROM by_tags UNION SELECT id FROM popular
    ),
    terms AS (
        SELECT i.external_id, i.tag_ids,
               coalesce(c.raw, 0) AS collab_raw,
               coalesce(q.raw, 0) AS sequence_raw,
               greatest(coalesce(1 - (i.embedding <=> v_centroid), 0), 0) AS content,
               CASE WHEN cardinality(i.tag_ids) = 0 THEN 0
                    ELSE (SELECT count(*) FROM unnest(i.tag_ids) AS x(id) WHERE x.id = ANY (v_tags))::double precision
                         / cardinality(i.tag_ids) END AS tags,
               coalesce(st.engagement_score, 0) AS popularity
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
    weighted AS (
        SELECT t.*,
               jsonb_strip_nulls(jsonb_build_object(
                   'collaborative', (v_w ->> 'collaborative')::double precision
                                    * coalesce(t.collab_raw / nullif(max(t.collab_raw) OVER (), 0), 0),
                   'sequence',      (v_w ->> 'sequence')::double precision
                                    * coalesce(t.sequence_raw / nullif(max(t.sequence_raw) OVER (), 0), 0),
                   'content',       (v_w ->> 'content')::double precision * t.content,
                   'tags',          (v_w ->> 'tags')::double precision * t.tags,
                   'popularity',    (v_w ->> 'popularity')::double precision * t.popularity)) AS parts
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
                   CASE WHEN r.collab_raw > 0 THEN 'people who viewed these also liked this' END,
                   CASE WHEN r.sequence_raw > 0 THEN 'what others looked at next' END,
                   CASE WHEN r.content > 0.8 THEN 'similar to what you are viewing' END,
                   CASE WHEN r.tags >= 0.5 THEN 'same topics' END,
                   CASE WHEN r.popularity > 0.6 THEN 'popular' END], NULL)))
    FROM ranked AS r
    ORDER BY r.total DESC, r.external_id
    LIMIT session_feed.n;

    IF v_centroid IS NOT NULL THEN
        PERFORM set_config('hnsw.iterative_scan', coalesce(v_old_scan, 'off'), true);
    END IF;
END;
$$;
COMMENT ON FUNCTION rec.session_feed(text[], integer) IS
'Recommendations for an anonymous session from the items viewed (item_id, score, reasons) best first: neighbours, next-item transitions, embedding centroid, shared tags and popularity. Session items excluded; unknown ids ignored; no known item: the trending list.';
