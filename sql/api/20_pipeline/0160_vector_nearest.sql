-- The live items nearest to a vector (cosine distance, HNSW index items_embedding_hnsw): the one
-- place that walks the index, and so the one place that sets its scan parameters.
--
-- A plain HNSW scan returns at most ef_search rows before the live-item filter; that is the
-- cheapest walk and almost always enough (nearly every item is live). When the filter left it
-- short, the walk is repeated with pgvector >= 0.8's iterative scan, which keeps going until
-- enough rows pass (relaxed order is fine: every candidate is re-scored). ef_search is a
-- function-level setting, restored when the function returns; iterative_scan does not exist
-- before pgvector 0.8, so it is set for the second walk only, after a version check.
CREATE FUNCTION rec._vector_nearest(p_vector public.vector, p_limit integer, p_now timestamptz)
RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp SET hnsw.ef_search = 100 AS $$
DECLARE
    v_found bigint;
    v_scan  text;
BEGIN
    RETURN QUERY SELECT i.id FROM pgrec.items AS i
                 WHERE pgrec.is_live(i.status, i.created_at, i.expires_at, p_now)
                 ORDER BY i.embedding <=> p_vector
                 LIMIT p_limit;
    GET DIAGNOSTICS v_found = ROW_COUNT;
    IF v_found < p_limit
       AND (SELECT string_to_array(e.extversion, '.')::integer[] >= '{0,8}' FROM pg_extension AS e WHERE e.extname = 'vector')
       AND EXISTS (SELECT FROM pgrec.items AS i WHERE i.embedding IS NOT NULL OFFSET v_found LIMIT 1) THEN
        v_scan := current_setting('hnsw.iterative_scan');
        PERFORM set_config('hnsw.iterative_scan', 'relaxed_order', true);
        RETURN QUERY SELECT i.id FROM pgrec.items AS i
                     WHERE pgrec.is_live(i.status, i.created_at, i.expires_at, p_now)
                     ORDER BY i.embedding <=> p_vector
                     LIMIT p_limit;
        PERFORM set_config('hnsw.iterative_scan', v_scan, true);
    END IF;
END;
$$;
COMMENT ON FUNCTION rec._vector_nearest(public.vector, integer, timestamptz) IS
'Internal: up to p_limit live items nearest to a vector by cosine distance (HNSW; iterative scan on pgvector >= 0.8 when filtering left it short).';
