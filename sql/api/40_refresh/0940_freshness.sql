-- How stale each derived object is: the last successful run of every refresh step. Read by
-- the API's /metrics (pgrec_refresh_age_seconds) and handy for a DBA's dashboard.
CREATE FUNCTION rec.freshness()
RETURNS TABLE (step text, last_ok_at timestamptz, age_seconds double precision,
               last_outcome text, last_run_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT s.step,
           ok.finished_at,
           extract(epoch FROM rec.now() - ok.finished_at)::float8,
           last.outcome,
           last.finished_at
    FROM pgrec.refresh_steps s
    LEFT JOIN LATERAL (SELECT r.finished_at FROM pgrec.refresh_runs r
                       WHERE r.step = s.step AND r.outcome = 'ok'
                       ORDER BY r.started_at DESC LIMIT 1) AS ok ON true
    LEFT JOIN LATERAL (SELECT r.outcome, r.finished_at FROM pgrec.refresh_runs r
                       WHERE r.step = s.step
                       ORDER BY r.started_at DESC LIMIT 1) AS last ON true
    ORDER BY s.position;
$$;
COMMENT ON FUNCTION rec.freshness() IS
'Per refresh step: last successful run, its age in seconds (NULL if never), and the last outcome. Read by /metrics.';
