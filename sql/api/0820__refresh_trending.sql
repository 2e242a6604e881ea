-- Refresh step "trending": recompute the 24-hour trending matview. CONCURRENTLY builds the new
-- contents beside the old and swaps in only the differences, so readers keep reading the
-- previous list (never an empty one) until this transaction commits. It needs the unique
-- index pgrec.trending_item and a populated view; a view left unpopulated (restored WITH NO
-- DATA) gets one plain refresh first. Cost: the events of the last 48 hours, found through
-- the BRIN index on occurred_at, plus a diff over a few thousand rows.
CREATE FUNCTION rec._refresh_trending()
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, public
AS $$
BEGIN
    IF (SELECT c.relispopulated FROM pg_class AS c WHERE c.oid = 'pgrec.trending'::regclass) THEN
        REFRESH MATERIALIZED VIEW CONCURRENTLY pgrec.trending;
    ELSE
        REFRESH MATERIALIZED VIEW pgrec.trending;
    END IF;
    RETURN (SELECT count(*) FROM pgrec.trending);
END;
$$;
COMMENT ON FUNCTION rec._refresh_trending() IS 'Refresh step trending: REFRESH MATERIALIZED VIEW CONCURRENTLY pgrec.trending. Returns the rows it now holds.';
