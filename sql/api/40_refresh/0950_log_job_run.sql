-- Record a run of a refresh step done outside SQL (runner 'python': embeddings, model fits) in
-- pgrec.refresh_runs, beside the runs rec.refresh records, so a DBA reads one table for "what
-- ran, when, how long, did it work": also runs skipped because another process held the step's
-- lock, and failures outside SQL (provider down, connection lost). Returns the run's id.
CREATE FUNCTION rec.log_job_run(step text, started_at timestamptz, outcome text, rows bigint DEFAULT NULL, detail text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_id bigint;
BEGIN
    IF step IS NULL OR started_at IS NULL OR outcome IS NULL THEN
        RAISE EXCEPTION 'step, started_at and outcome must not be null' USING ERRCODE = '22004';
    END IF;
    IF NOT isfinite(started_at) THEN
        RAISE EXCEPTION 'started_at must be a finite time, got %', started_at USING ERRCODE = '22023';
    END IF;
    IF step !~ '^[a-z][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'step "%" is not a valid job name', step USING ERRCODE = '22023',
            HINT = 'Lower-case letters, digits and underscores, starting with a letter.';
    END IF;
    IF NOT EXISTS (SELECT FROM pgrec.refresh_steps AS s WHERE s.step = log_job_run.step) THEN
        RAISE EXCEPTION 'unknown refresh step "%"', step USING ERRCODE = '22023',
            HINT = 'Steps are the rows of pgrec.refresh_steps.';
    END IF;
    IF outcome NOT IN ('ok', 'skipped', 'error') THEN
        RAISE EXCEPTION 'outcome must be ok, skipped or error, got "%"', outcome USING ERRCODE = '22023';
    END IF;
    INSERT INTO pgrec.refresh_runs (step, started_at, finished_at, rows, outcome, detail, caller)
    VALUES (step, started_at, greatest(clock_timestamp(), started_at), rows, outcome, left(detail, 2000),
            coalesce(nullif(current_setting('application_name', true), ''), session_user))
    RETURNING id INTO v_id;
    RETURN v_id;
END;
$$;
COMMENT ON FUNCTION rec.log_job_run(text, timestamptz, text, bigint, text) IS
'Record a run of a Python refresh step (ok | skipped | error) in pgrec.refresh_runs; caller is the application_name. Returns the run id.';
