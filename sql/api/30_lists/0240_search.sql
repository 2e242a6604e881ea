-- Hybrid search: keywords and meaning. The list pipeline with the query as anchor, strategy
-- 'search' by default:
--   0.5 keyword  full-text match (websearch_to_tsquery on title and description, title
--                first), ts_rank scaled by the best of the best 50 matches
--   0.5 vector   with query_embedding, cosine similarity to it (the 50 nearest through the
--                HNSW index are candidates)
--   0.25 tags    with a user (personalisation on, some tag interests), overlap with them
-- A term without data (no embedding given, no interests, only stop words) drops out and the
-- others are renormalised; only items some term supports are listed, so an item found both
-- ways comes first. With user_id, items with a blocked tag are left out. The query is plain
-- text as typed in a search box: "quoted phrases", -exclusions and OR work.
--
-- Adaptive query expansion (expand => true, with a user whose profile has interests): up to
-- three of the user's strongest interests (rec._expansion_terms: confidence 0.3 or more, of
-- the subject kinds, not already in the query) are added to the query, each together with it:
-- "bread" becomes "bread or bread baking or bread python", which matches what "bread" matches
-- and nothing else, but ranks the matches that also say "baking" higher. Every row then says
-- what was added: reasons.query_expansion = {"added": [terms], "query": the query searched}.
CREATE FUNCTION rec.search(query text, n integer DEFAULT 20, user_id text DEFAULT NULL,
                           query_embedding public.vector DEFAULT NULL, strategy text DEFAULT 'search',
                           expand boolean DEFAULT false, filter jsonb DEFAULT NULL)
RETURNS SETOF rec.ranked_item
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_added text[] := '{}';
    v_query text := query;
BEGIN
    IF query IS NULL THEN
        RAISE EXCEPTION 'query must not be null' USING ERRCODE = '22004';
    END IF;
    IF btrim(query, E' \t\r\n') = '' THEN
        RAISE EXCEPTION 'query must not be empty' USING ERRCODE = '22023', HINT = 'Pass the words to search for.';
    END IF;
    -- Caps per call: the cost of a full-text query grows with its terms.
    IF length(query) > 1000 THEN
        RAISE EXCEPTION 'query is % characters long; the limit is 1000', length(query) USING ERRCODE = '22023';
    END IF;
    IF cardinality(regexp_split_to_array(btrim(query), '\s+')) > 32 THEN
        RAISE EXCEPTION 'query has % words; the limit is 32', cardinality(regexp_split_to_array(btrim(query), '\s+'))
            USING ERRCODE = '22023', HINT = 'Search for the few words that matter.';
    END IF;
    PERFORM rec._check_page(n, 0);
    IF user_id IS NOT NULL THEN
        PERFORM rec._check_id('user_id', user_id);
    END IF;
    IF query_embedding IS NOT NULL AND public.vector_dims(query_embedding) <> rec.embedding_dim() THEN
        RAISE EXCEPTION 'query_embedding has % dimensions; items are embedded with %',
            public.vector_dims(query_embedding), rec.embedding_dim()
            USING ERRCODE = '22023', HINT = 'Embed the query with the same model as the items.';
    END IF;
    IF expand IS NULL THEN
        RAISE EXCEPTION 'expand must not be null' USING ERRCODE = '22004', HINT = 'true or false (the default).';
    END IF;
    IF NOT expand THEN
        RETURN QUERY SELECT * FROM rec._ranked_list(rec._list_context(
            'search', strategy, NULL, user_id, n, 0, p_query => query, p_anchor_vector => query_embedding,
            p_filter => filter));
        RETURN;
    END IF;
    v_added := rec._expansion_terms(user_id, query, 3);
    IF cardinality(v_added) > 0 THEN
        v_query := query || ' or ' || (SELECT string_agg(query || ' ' || CASE WHEN t ~ '\s' THEN '"' || t || '"' ELSE t END,
                                                         ' or ')
                                       FROM unnest(v_added) AS t);
    END IF;
    -- The reasons speak of the query the user typed; query_expansion says what was searched.
    RETURN QUERY
    SELECT r.item_id, r.score,
           r.reasons
           || jsonb_build_object('reasons', (SELECT coalesce(jsonb_agg(replace(x.phrase, btrim(v_query), btrim(query))
                                                                       ORDER BY x.ord), '[]')
                                             FROM jsonb_array_elements_text(r.reasons -> 'reasons')
                                                  WITH ORDINALITY AS x(phrase, ord)))
           || jsonb_build_object('query_expansion', jsonb_build_object('added', to_jsonb(v_added), 'query', v_query))
    FROM rec._ranked_list(rec._list_context(
        'search', strategy, NULL, user_id, n, 0, p_query => v_query, p_anchor_vector => query_embedding,
        p_filter => filter)) AS r;
END;
$$;
COMMENT ON FUNCTION rec.search(text, integer, text, public.vector, text, boolean, jsonb) IS
'Hybrid search (item_id, score, reasons) best first: full-text match and, with query_embedding, cosine similarity, plus the user''s tag interests (strategy search); content filter; expand => true adds the user''s strongest interests to the query and says which (reasons.query_expansion). Empty or over-long query: 22023.';
