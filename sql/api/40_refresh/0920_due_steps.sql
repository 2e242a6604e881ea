-- What the scheduler should run now, from the schedule in pgrec.refresh_steps and the run log
-- in pgrec.refresh_runs (whoever ran a step: this scheduler, a replica of it, or a DBA). A step
-- is due when it is enabled and
--   it never succeeded, or
--   its last successful run started `every` or longer ago, or
--   min_new_events events were recorded since that run started, or
--   a step it depends on wrote at least min_new_events rows (1 without it) in runs that
--   started after it;
-- unless it is running right now (another session holds its lock: rec._step_running), or it is
-- backing off: after n consecutive failures it waits retry_base x 2^(n-1) since the last one
-- (never longer than its cadence) before it is due again.
-- Deciding from the database rather than from process memory is what makes a restart after
-- downtime run an overdue step once, and scheduler replicas share one cadence and one back-off.
-- The event count stops at min_new_events, so the answer stays cheap on a busy table (BRIN on
-- recorded_at). Wall-clock time: the schedule is about when work happens, not replays.
-- The count is a function call per step rather than a join: the schedule is local to the
-- coordinator on Citus, the events distributed, and Citus does not join those two.
CREATE FUNCTION rec._events_recorded_since(p_since timestamptz, p_limit integer) RETURNS bigint
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN (SELECT count(*) FROM (SELECT 1 FROM pgrec.events AS e WHERE e.recorded_at > p_since LIMIT p_limit) AS x);
END;
$$;
COMMENT ON FUNCTION rec._events_recorded_since(timestamptz, integer) IS
'Internal: events recorded after p_since, counted up to p_limit.';

CREATE FUNCTION rec.due_steps(retry_base interval DEFAULT '30 seconds')
RETURNS TABLE (step text, runner text, reason text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT rec._check_interval('retry_base', retry_base, interval '0', NULL, p_min_exclusive => true);
    SELECT s.step, s.runner,
           CASE WHEN st.last_ok_started_at IS NULL THEN 'never ran'
                WHEN now() - st.last_ok_started_at >= s.every THEN 'every ' || s.every::text
                WHEN ev.n >= s.min_new_events THEN ev.n || ' new events'
                ELSE 'after ' || dep.steps END
    FROM pgrec.refresh_steps AS s
    JOIN pgrec.refresh_status AS st ON st.step = s.step
    LEFT JOIN LATERAL (SELECT count(*) AS n, max(r.started_at) AS last_at
                       FROM pgrec.refresh_runs AS r
                       WHERE r.step = s.step AND r.outcome = 'error'
                         AND (st.last_ok_started_at IS NULL OR r.started_at > st.last_ok_started_at)) AS failures ON true
    LEFT JOIN LATERAL (SELECT rec._events_recorded_since(st.last_ok_started_at, s.min_new_events) AS n
                       WHERE s.min_new_events IS NOT NULL AND st.last_ok_started_at IS NOT NULL) AS ev ON true
    LEFT JOIN LATERAL (SELECT string_agg(DISTINCT r.step, ', ') AS steps
                       FROM pgrec.refresh_runs AS r
                       WHERE r.step = ANY (s.depends_on) AND r.outcome = 'ok'
                         AND r.started_at > st.last_ok_started_at
                       HAVING sum(r.rows) >= coalesce(s.min_new_events, 1)) AS dep ON true
    WHERE s.enabled
      AND NOT rec._step_running(s.step)
      AND (st.last_ok_started_at IS NULL
           OR now() - st.last_ok_started_at >= s.every
           OR ev.n >= s.min_new_events
           OR dep.steps IS NOT NULL)
      AND (failures.n = 0
           OR now() >= failures.last_at + least(s.every, retry_base * power(2, least(failures.n - 1, 20))))
    ORDER BY s.position;
$$;
COMMENT ON FUNCTION rec.due_steps(interval) IS
'Refresh steps due now (step, runner sql|python, reason): never ran, cadence elapsed, enough new events, or a dependency wrote enough rows since the step last succeeded; failing steps back off (retry_base x 2^(n-1)).';
