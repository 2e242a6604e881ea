-- What the scheduler needs to decide whether a job is due: when the step last succeeded
-- (from pgrec.refresh_runs, whoever ran it: this scheduler, a replica or a DBA) and how many
-- events were recorded since, counted up to event_cap so the answer stays cheap on a busy
-- table. Deciding from the database rather than from process memory is what makes a restart
-- after downtime run an overdue job once, and two replicas share one cadence.
CREATE FUNCTION rec.job_freshness(step text, event_cap bigint DEFAULT 100000)
RETURNS TABLE (last_ok_at timestamptz, seconds_since_ok double precision, new_events bigint)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
#variable_conflict use_column
DECLARE
    v_last timestamptz;
BEGIN
    IF step IS NULL THEN
        RAISE EXCEPTION 'step must not be null' USING ERRCODE = '22004';
    END IF;
    IF event_cap IS NULL OR event_cap < 0 THEN
        RAISE EXCEPTION 'event_cap must be >= 0' USING ERRCODE = '22023';
    END IF;
    SELECT max(r.started_at) INTO v_last
    FROM pgrec.refresh_runs r
    WHERE r.step = job_freshness.step AND r.outcome = 'ok';

    last_ok_at := v_last;
    seconds_since_ok := extract(epoch FROM rec.now() - v_last);
    SELECT count(*) INTO new_events
    FROM (SELECT FROM pgrec.events e
          WHERE v_last IS NULL OR e.recorded_at > v_last
          LIMIT event_cap) AS recent;
    RETURN NEXT;
END;
$$;
COMMENT ON FUNCTION rec.job_freshness(text, bigint) IS
'Scheduler: last successful run of a step (refresh_runs), seconds since, and events recorded since (counted up to event_cap).';
