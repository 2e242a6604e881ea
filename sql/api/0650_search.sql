-- Hybrid search: keywords and meaning, fused by reciprocal rank fusion (RRF, k = 60).
--   keyword   live items matching websearch_to_tsquery('english', query) on pgrec.items.search
--             (title weighs more than description), best 50 by ts_rank
--   vector    with query_embedding, the 40 live items nearest to it by cosine (HNSW index)
--   personal  with a user (personalisation on, some tag interests), the candidates carrying
--             their interest tags, ranked by tag affinity; half the weight of the other lists
-- score = sum over lists of weight / (60 + rank in that list). RRF needs no score calibration
-- between full-text ranks and cosine distances, and an item high in both lists wins.
-- With user_id, items with a blocked tag are left out. The query is plain text as typed in a
-- search box: "quoted phrases", -exclusions and OR work (websearch syntax).
CREATE FUNCTION rec.search(query text, n integer DEFAULT 20, user_id text DEFAULT NULL,
                           query_embedding public.vector DEFAULT NULL)
RETURNS TABLE (item_id text, score double precision, reasons jsonb)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
#variable_conflict use_column
DECLARE
    v_now    constant timestamptz := rec.now();
    v_k      constant double precision := 60;   -- the usual RRF constant: damps the top ranks' lead
    v_pool   constant integer := 50;
    -- hnsw.ef_search's default: one walk of the graph yields them, no iterative second pass.
    v_nearest constant integer := 40;
    v_personal_weight constant double precision := 0.5;
    v_user   record;
    v_tsq    tsquery;
    v_dim    integer;
    v_old_scan text;
BEGIN
    IF query IS NULL THEN
        RAISE EXCEPTION 'query must not be null' USING ERRCODE = '22004';
    END IF;
    IF btrim(query, E' \t\r\n') = '' THEN
        RAISE EXCEPTION 'query must not be empty' USING ERRCODE = '22023', HINT = 'Pass the words to search for.';
    END IF;
    IF length(query) > 1000 THEN
        RAISE EXCEPTION 'query is % characters long; the limit is 1000', length(query) USING ERRCODE = '22023';
    END IF;
    PERFORM rec._check_page(n, 0);
    IF query_embedding IS NOT NULL THEN
        v_dim := (SELECT m.value::integer FROM pgrec.meta AS m WHERE m.key = 'embedding_dim');
        IF public.vector_dims(query_embedding) <> v_dim THEN
            RAISE EXCEPTION 'query_embedding has % dimensions; items are embedded with %', public.vector_dims(query_embedding), v_dim
                USING ERRCODE = '22023', HINT = 'Embed the query with the same model as the items.';
        END IF;
    END IF;
    SELECT * INTO v_user FROM rec._user_context(search.user_id, v_now);
    -- Only stop words ("the", "of") make an empty tsquery: then only the vector side can match.
    v_tsq := websearch_to_tsquery('english', query);

    IF query_embedding IS NOT NULL THEN
        v_old_scan := current_setting('hnsw.iterative_scan', true);
        -- Hidden and expired items are filtered after the index walk; the iterative scan keeps
        -- walking until the pool is full. Restored below.
        PERFORM set_config('hnsw.iterative_scan', 'relaxed_order', true);
    END IF;

    RETURN QUERY
    WITH by_keyword AS (
        SELECT k.id, row_number() OVER (ORDER BY k.rank DESC, k.external_id) AS rank
        FROM (SELECT i.id, i.external_id, ts_rank(i.search, v_tsq) AS rank
              FROM pgrec.items AS i
              WHERE numnode(v_tsq) > 0
                AND i.search @@ v_tsq
                AND i.status = 'active'
                AND i.created_at <= v_now
                AND (i.expires_at IS NULL OR i.expires_at > v_now)
                AND NOT i.tag_ids && v_user.blocked
              ORDER BY ts_rank(i.search, v_tsq) DESC, i.external_id
              LIMIT v_pool) AS k
    ),
    nearest AS MATERIALIZED (
        SELECT i.id, i.external_id, i.embedding <=> query_embedding AS distance
        FROM pgrec.items AS i
        WHERE query_embedding IS NOT NULL
          AND i.status = 'active'
          AND i.created_at <= v_now
          AND (i.expires_at IS NULL OR i.expires_at > v_now)
          AND NOT i.tag_ids && v_user.blocked
        ORDER BY i.embedding <=> query_embedding
        LIMIT v_nearest
    ),
    by_vector AS (
        -- relaxed_order may return the walk slightly out of order: rank on the exact distance.
        -- An item at cosine similarity 0 or below is unrelated, however few the items are.
        SELECT nr.id, nr.distance, row_number() OVER (ORDER BY nr.distance, nr.external_id) AS rank
        FROM nearest AS nr
        WHERE nr.distance < 1
    ),
    interest AS (
        SELECT key::integer AS tag_id, value::double precision AS weight FROM jsonb_each_text(v_user.interest)
    ),
    candidates AS (
        SELECT c.id, i.external_id, i.tag_ids, kw.rank AS keyword_rank, v.rank AS vector_rank,
               1 - v.distance AS similarity
        FROM (SELECT id FROM by_keyword UNION SELECT id FROM by_vector) AS c
        JOIN pgrec.items AS i ON i.id = c.id
        LEFT JOIN by_keyword AS kw ON kw.id = c.id
        LEFT JOIN by_vector AS v ON v.id = c.id
    ),
    by_personal AS (
        SELECT a.id, row_number() OVER (ORDER BY a.affinity DESC, a.external_id) AS rank
        FROM (SELECT c.id, c.external_id, sum(it.weight) AS affinity
              FROM candidates AS c
              CROSS JOIN LATERAL unnest(c.tag_ids) AS t(id)
              JOIN interest AS it ON it.tag_id = t.id
              WHERE v_user.personal
              GROUP BY c.id, c.external_id) AS a
        WHERE a.affinity > 0
    ),
    fused AS (
        SELECT c.*, p.rank AS personal_rank,
               coalesce(1 / (v_k + c.keyword_rank), 0) AS keyword,
               coalesce(1 / (v_k + c.vector_rank), 0) AS vector,
               coalesce(v_personal_weight / (v_k + p.rank), 0) AS personal
        FROM candidates AS c
        LEFT JOIN by_personal AS p ON p.id = c.id
    ),
    top AS (
        SELECT f.*, f.keyword + f.vector + f.personal AS total
        FROM fused AS f
        ORDER BY f.keyword + f.vector + f.personal DESC, f.external_id
        LIMIT search.n
    )
    SELECT r.external_id,
           r.total,
           jsonb_build_object(
               'terms', jsonb_strip_nulls(jsonb_build_object(
                   'keyword',  CASE WHEN r.keyword_rank IS NOT NULL THEN r.keyword END,
                   'vector',   CASE WHEN r.vector_rank IS NOT NULL THEN r.vector END,
                   'personal', CASE WHEN r.personal_rank IS NOT NULL THEN r.personal END)),
               'ranks', jsonb_strip_nulls(jsonb_build_object(
                   'keyword', r.keyword_rank, 'vector', r.vector_rank, 'personal', r.personal_rank)),
               'reasons', to_jsonb(array_remove(ARRAY[
                   CASE WHEN r.keyword_rank IS NOT NULL THEN format('matches "%s"', btrim(query)) END,
                   CASE WHEN r.vector_rank IS NOT NULL AND r.similarity >= 0.5 THEN 'close in meaning' END,
                   CASE WHEN r.personal_rank IS NOT NULL THEN
                        'matches your interest in ' || rec._top_interest_tag(v_user.interest, r.tag_ids) END], NULL)))
    FROM top AS r
    ORDER BY r.total DESC, r.external_id;

    IF query_embedding IS NOT NULL THEN
        PERFORM set_config('hnsw.iterative_scan', coalesce(v_old_scan, 'off'), true);
    END IF;
END;
$$;
COMMENT ON FUNCTION rec.search(text, integer, text, public.vector) IS
'Hybrid search (item_id, score, reasons) best first: full-text (websearch_to_tsquery) and, with query_embedding, vector neighbours, fused by reciprocal rank fusion (k = 60); with user_id a half-weight tag-interest list and blocked tags excluded. Empty query: 22023.';
