-- Signal "sequence": what other users went on to after the anchor items (the latest first),
-- from pgrec.item_transitions:  score(i) = sum over anchors h of P(next = i | left h) x
-- strength(h), with strengths 1, 1/2, 1/3 ... from the most recent anchor. Scaled by the best
-- (0..1); `because` is the anchor it follows most.
-- PL/pgSQL, not SQL: Citus cannot plan the parameterized queries of a SQL function over
-- distributed or reference tables (0A000), and PL/pgSQL plans them with the values.
CREATE FUNCTION rec._sequence(p_items bigint[], p_strengths double precision[], p_limit integer)
RETURNS TABLE (item_id bigint, value double precision, because bigint)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH votes AS (
        SELECT t.next_item_id,
               sum(t.score * a.strength) AS raw,
               -(max(ARRAY[t.score * a.strength, -a.item_id]))[2]::bigint AS because
        FROM unnest(p_items, p_strengths) AS a(item_id, strength)
        JOIN pgrec.item_transitions AS t ON t.item_id = a.item_id
        WHERE a.strength > 0
        GROUP BY t.next_item_id
    )
    SELECT v.next_item_id, v.raw / max(v.raw) OVER (), v.because
    FROM votes AS v
    ORDER BY v.raw DESC, v.next_item_id
    LIMIT p_limit;
END;
$$;
COMMENT ON FUNCTION rec._sequence(bigint[], double precision[], integer) IS
'Internal signal "sequence": next items after the anchors (pgrec.item_transitions), weighted by anchor strength, scaled to 0..1; with the anchor behind each.';
