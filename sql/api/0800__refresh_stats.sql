-- Refresh step "stats": per-item engagement. Recomputed from all events because totals must
-- stop counting a forgotten user's events; an hourly cadence keeps the cost acceptable.
CREATE FUNCTION rec._refresh_stats()
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, public
AS $$
DECLARE
    v_rows bigint;
BEGIN
    -- Readers keep seeing the previous rows until this transaction commits (MVCC), so there is
    -- no moment at which the table looks empty.
    DELETE FROM pgrec.item_stats;
    WITH totals AS (
        SELECT e.item_id,
               count(*) AS events,
               greatest(sum(e.weight), 0) AS engagement,
               count(*) FILTER (WHERE e.type = 'like') AS like_count,
               count(DISTINCT e.user_id) FILTER (WHERE e.polarity > 0) AS positive_users,
               max(e.occurred_at) AS last_event_at
        FROM pgrec.weighted_events AS e
        WHERE e.occurred_at <= rec.now()
        GROUP BY e.item_id
    )
    INSERT INTO pgrec.item_stats (item_id, events, engagement, engagement_score, like_count, positive_users, last_event_at)
    SELECT item_id, events, engagement,
           -- ln(1 + E) scaled to 0..1 by the catalogue's maximum.
           coalesce(ln(1 + engagement) / nullif(max(ln(1 + engagement)) OVER (), 0), 0),
           like_count, positive_users, last_event_at
    FROM totals;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION rec._refresh_stats() IS 'Refresh step stats: recompute pgrec.item_stats from events. Returns rows written.';
