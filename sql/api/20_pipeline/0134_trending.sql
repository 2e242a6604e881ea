-- Signal "trending": the top p_limit items of a window (rec._trending_scores), with what the
-- reasons state. The 24-hour window reads pgrec.trending, refreshed every few minutes; any
-- other window, or the 24 hours before their first refresh, is computed on the spot from that
-- window's events. p_tags keeps items with any of those tags (NULL: all).
CREATE FUNCTION rec._trending(p_now timestamptz, p_window interval, p_limit integer, p_tags integer[])
RETURNS TABLE (item_id bigint, value double precision, recent double precision, previous double precision,
               basis text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF p_window = interval '24 hours' AND EXISTS (SELECT FROM pgrec.trending) THEN
        RETURN QUERY
        SELECT t.item_id, t.score, t.recent, t.previous, t.basis
        FROM pgrec.trending AS t
        WHERE p_tags IS NULL OR EXISTS (SELECT FROM pgrec.items AS i WHERE i.id = t.item_id AND i.tag_ids && p_tags)
        ORDER BY t.score DESC, t.item_id
        LIMIT p_limit;
    ELSE
        -- EXECUTE plans with the actual window bounds, so the BRIN index on occurred_at is used
        -- rather than a generic plan that reads every event.
        RETURN QUERY EXECUTE $sql$
            SELECT t.item_id, t.score, t.recent, t.previous, t.basis
            FROM rec._trending_scores($1, $2) AS t
            WHERE $4::integer[] IS NULL OR EXISTS (SELECT FROM pgrec.items AS i WHERE i.id = t.item_id AND i.tag_ids && $4)
            ORDER BY t.score DESC, t.item_id
            LIMIT $3
        $sql$ USING p_now, p_window, p_limit, p_tags;
    END IF;
END;
$$;
COMMENT ON FUNCTION rec._trending(timestamptz, interval, integer, integer[]) IS
'Internal signal "trending": the top items of a window (pgrec.trending for 24 hours, else computed per call), with recent and previous engagement.';
