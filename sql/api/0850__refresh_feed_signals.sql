-- Refresh step "feed_signals": creator quality, per-item popularity and velocity, and the top
-- items per tag. After stats (position 100), which they read. CONCURRENTLY: feeds keep reading
-- the previous rows while the new ones are computed (each matview has a unique index).
CREATE FUNCTION rec._refresh_feed_signals()
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, public
AS $$
BEGIN
    -- The matviews read rec.as_of themselves (they cannot call rec.now()), so a replay that
    -- sets it refreshes them as of that time.
    REFRESH MATERIALIZED VIEW CONCURRENTLY pgrec.creator_stats;
    REFRESH MATERIALIZED VIEW CONCURRENTLY pgrec.item_signals;
    REFRESH MATERIALIZED VIEW CONCURRENTLY pgrec.tag_top_items;
    RETURN (SELECT count(*) FROM pgrec.creator_stats)
         + (SELECT count(*) FROM pgrec.item_signals)
         + (SELECT count(*) FROM pgrec.tag_top_items);
END;
$$;
COMMENT ON FUNCTION rec._refresh_feed_signals() IS
'Refresh step feed_signals: refresh pgrec.creator_stats, pgrec.item_signals and pgrec.tag_top_items. Returns their row count.';
