-- Freshness of derived data for operators, the dashboard and health checks: one row per
-- refresh step from the view pgrec.refresh_status.
CREATE FUNCTION rec.refresh_status()
RETURNS TABLE (step text, "position" integer, description text, last_started_at timestamptz, last_outcome text,
               last_rows bigint, last_seconds double precision, last_detail text, last_ok_at timestamptz,
               runner text, every interval, enabled boolean, in_all boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT s.step, s.position, s.description, s.last_started_at, s.last_outcome, s.last_rows, s.last_seconds,
           s.last_detail, s.last_ok_at, s.runner, s.every, s.enabled, s.in_all
    FROM pgrec.refresh_status AS s
    ORDER BY s.position;
$$;
COMMENT ON FUNCTION rec.refresh_status() IS
'One row per refresh step: its latest run (start, outcome, rows, seconds, detail), when it last succeeded, runner, cadence, enabled, and whether refresh all includes it.';
