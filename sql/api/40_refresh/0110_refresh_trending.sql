-- Refresh step "trending": the 24-hour trending list as of now (rec._trending_scores), in
-- pgrec.trending. Readers keep the previous list until this transaction commits. Cost: the
-- events of the last 48 hours, found through the BRIN index on occurred_at.
CREATE FUNCTION rec._refresh_trending()
RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_now  constant timestamptz := rec.now();
    v_rows bigint;
BEGIN
    DELETE FROM pgrec.trending;
    -- EXECUTE: planned with the actual window bounds, so the BRIN index is used.
    EXECUTE $sql$
        INSERT INTO pgrec.trending (item_id, score, raw_score, recent, previous, recent_events, age_days, basis, as_of)
        SELECT t.item_id, t.score, t.raw_score, t.recent, t.previous, t.recent_events, t.age_days, t.basis, $1
        FROM rec._trending_scores($1, interval '24 hours') AS t
    $sql$ USING v_now;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION rec._refresh_trending() IS 'Refresh step trending: recompute pgrec.trending (24 hours) as of rec.now(). Returns rows written.';
