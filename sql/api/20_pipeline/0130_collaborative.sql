-- Signal "collaborative" (and the per-call part of "ease"): items that people who engaged with
-- the anchor items also engaged with, by a model's item-item rows (p_source: itemknn, ease).
-- For a feed the anchors are the user's positive history; for similar one item; for a session
-- its items:
--   score(i) = sum over anchors h of  neighbour_score(h, i) x strength(h)
-- Only the 50 strongest anchors count and only the p_limit best neighbours are returned, so the
-- cost stays flat however long a history is. Scores are divided by the best one (0..1);
-- `because` is the anchor that contributed most ("because you liked").
-- PL/pgSQL, not SQL: Citus cannot plan the parameterized queries of a SQL function over
-- distributed or reference tables (0A000), and PL/pgSQL plans them with the values.
CREATE FUNCTION rec._collaborative(p_source text, p_items bigint[], p_strengths double precision[], p_limit integer)
RETURNS TABLE (item_id bigint, value double precision, because bigint)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH anchors AS (
        SELECT h.item_id, h.strength
        FROM unnest(p_items, p_strengths) AS h(item_id, strength)
        WHERE h.strength > 0
        ORDER BY h.strength DESC, h.item_id
        LIMIT 50
    ),
    summed AS (
        SELECT nb.neighbor_id,
               sum(nb.score * a.strength) AS raw,
               -- The biggest contributor, ties to the lowest id, without a sort per group.
               -(max(ARRAY[nb.score * a.strength, -a.item_id]))[2]::bigint AS because
        FROM anchors AS a
        JOIN pgrec.item_neighbors AS nb ON nb.item_id = a.item_id AND nb.source = p_source
        GROUP BY nb.neighbor_id
    )
    SELECT s.neighbor_id, s.raw / max(s.raw) OVER (), s.because
    FROM summed AS s
    ORDER BY s.raw DESC, s.neighbor_id
    LIMIT p_limit;
END;
$$;
COMMENT ON FUNCTION rec._collaborative(text, bigint[], double precision[], integer) IS
'Internal signal "collaborative": neighbours (a model''s item-item rows) of the anchor items scored by neighbour score x anchor strength, scaled to 0..1 by the best; with the anchor behind each.';
