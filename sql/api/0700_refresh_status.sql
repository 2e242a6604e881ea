-- Freshness of derived data for operators and health checks (the scheduler, the HTTP API's
-- admin endpoints): one row per refresh step from the view pgrec.refresh_status.
CREATE FUNCTION rec.refresh_status()
RETURNS TABLE (step text, "position" integer, description text, last_started_at timestamptz, last_outcome text,
               last_rows bigint, last_seconds double precision, last_detail text, last_ok_at timestamptz)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
    SELECT s.step, s.position, s.description, s.last_started_at, s.last_outcome, s.last_rows, s.last_seconds,
           s.last_detail, s.last_ok_at
    FROM pgrec.refresh_status AS s
    ORDER BY s.position;
$$;
COMMENT ON FUNCTION rec.refresh_status() IS
'One row per refresh step: its latest run (start, outcome, rows, seconds, detail) and when it last succeeded.';
