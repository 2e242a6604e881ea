-- Signal "keyword": live items matching a websearch query on pgrec.items.search (title weighs
-- more than description), the best p_limit by ts_rank, valued by their rank r as
--     61 / (60 + r)
-- reciprocal rank fusion's term (k = 60) scaled so the best match has 1: full-text scores are
-- not calibrated against cosine similarities or tag overlaps, ranks are, and the damping keeps a
-- close second within reach of the other signals. Quoted phrases, -exclusions and OR work as in
-- a search box. Only stop words ("the", "of") make an empty query, which matches nothing.
-- PL/pgSQL, not SQL: Citus cannot plan the parameterized queries of a SQL function over
-- distributed or reference tables (0A000), and PL/pgSQL plans them with the values.
CREATE FUNCTION rec._keyword_matches(p_query text, p_now timestamptz, p_limit integer)
RETURNS TABLE (item_id bigint, value double precision)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH q AS (SELECT websearch_to_tsquery('english', p_query) AS tsq),
    matched AS (
        SELECT i.id, i.external_id, ts_rank(i.search, q.tsq) AS text_rank
        FROM pgrec.items AS i, q
        WHERE numnode(q.tsq) > 0
          AND i.search @@ q.tsq
          AND pgrec.is_live(i.status, i.created_at, i.expires_at, p_now)
        ORDER BY ts_rank(i.search, q.tsq) DESC, i.external_id
        LIMIT p_limit
    )
    SELECT m.id, (61.0 / (60 + row_number() OVER (ORDER BY m.text_rank DESC, m.external_id)))::double precision FROM matched AS m;
END;
$$;
COMMENT ON FUNCTION rec._keyword_matches(text, timestamptz, integer) IS
'Internal signal "keyword": the best p_limit live full-text matches of a websearch query, valued 61 / (60 + rank).';
