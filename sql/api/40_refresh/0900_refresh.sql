-- Recompute derived data: 'all' runs every enabled SQL step of pgrec.refresh_steps in order
-- (those with in_all), or name one step. Steps that need the application (runner 'python': embeddings, model fits)
-- are reported 'skipped': `pgrec refresh` and the scheduler run them.
--
-- A step whose function takes a boolean (rec._refresh_<step>(p_full)) and has full_every
-- processes only what changed since its last run (the events and changes that run's snapshot did
-- not see, pgrec.refresh_state) and rebuilds everything when its last full rebuild is older than
-- full_every, when its inputs changed, or when full is true. Which it did, and why, is the
-- run's detail in pgrec.refresh_runs.
--
-- Each step holds an advisory lock for the rest of the transaction (rec._step_lock, the
-- same key the scheduler takes for Python steps), so two callers (a DBA and the scheduler, or
-- two scheduler replicas) never run the same step at once: the second is told 'skipped'
-- immediately instead of queueing behind the first. A failing step is rolled back alone,
-- reported as 'error' and logged; the other steps still run. Every run is recorded in
-- pgrec.refresh_runs (pgrec.refresh_status shows the latest per step). Readers never wait for
-- a refresh and never see half-written data: a step rewrites its tables inside this
-- transaction, and readers keep the committed rows until it commits.
--
-- work_mem, for every step it runs: the steps' pair aggregations, window sorts and hash joins
-- over the events take memory rather than spilling to disk.
CREATE FUNCTION rec.refresh(what text DEFAULT 'all', "full" boolean DEFAULT false)
RETURNS TABLE (step text, outcome text, rows bigint, seconds double precision)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp SET work_mem = '256MB'
AS $$
#variable_conflict use_column
DECLARE
    v_step    record;
    v_started timestamptz;
    v_rows    bigint;
    v_outcome text;
    v_detail  text;
    v_coordinator boolean;
BEGIN
    IF what IS NULL THEN
        RAISE EXCEPTION 'what must not be null' USING ERRCODE = '22004', HINT = 'Use ''all'' or a step name.';
    END IF;
    IF "full" IS NULL THEN
        RAISE EXCEPTION 'full must not be null' USING ERRCODE = '22004',
            HINT = 'true rebuilds the steps from all events; false (the default) lets incremental steps continue from their last run.';
    END IF;
    -- On Citus only the coordinator holds the schedule and the run log, and a step's advisory
    -- lock is only exclusive if every refresh takes it on the same node. (EXECUTE: the function
    -- exists only with Citus.)
    IF pgrec.citus_enabled() THEN
        EXECUTE 'SELECT citus_is_coordinator()' INTO v_coordinator;
        IF NOT v_coordinator THEN
            RAISE EXCEPTION 'this node is a Citus worker' USING ERRCODE = '0A000',
                HINT = 'Refresh on the coordinator; workers only hold shards.';
        END IF;
    END IF;
    IF what <> 'all' AND NOT EXISTS (SELECT FROM pgrec.refresh_steps AS s WHERE s.step = what) THEN
        RAISE EXCEPTION 'unknown refresh step "%"', what
            USING ERRCODE = '22023',
                  HINT = 'One of: all, ' || (SELECT string_agg(s.step, ', ' ORDER BY s.position) FROM pgrec.refresh_steps AS s);
    END IF;
    -- Steps read distributed events and rewrite reference tables in one transaction.
    PERFORM rec._begin_primary_work('Refresh on the primary; standbys receive its derived data by replication.');

    FOR v_step IN
        SELECT s.step, s.runner FROM pgrec.refresh_steps AS s
        WHERE (what = 'all' AND s.enabled AND s.in_all) OR s.step = what
        ORDER BY s.position
    LOOP
        v_started := clock_timestamp();
        v_rows := NULL;
        v_detail := NULL;
        IF v_step.runner = 'python' THEN
            step := v_step.step;
            outcome := 'skipped';
            rows := NULL;
            seconds := 0;
            RETURN NEXT;
            CONTINUE;
        END IF;
        IF NOT pg_try_advisory_xact_lock(rec._step_lock(v_step.step)) THEN
            v_outcome := 'skipped';
            v_detail := 'another session is running this step';
        ELSE
            BEGIN
                PERFORM set_config('pgrec.refresh_detail', '', true);
                -- A step that can run incrementally takes whether to rebuild in full; one that
                -- always recomputes everything (trending) takes nothing.
                IF to_regprocedure(format('rec.%I(boolean)', '_refresh_' || v_step.step)) IS NOT NULL THEN
                    EXECUTE format('SELECT rec.%I($1)', '_refresh_' || v_step.step) INTO v_rows USING "full";
                ELSE
                    EXECUTE format('SELECT rec.%I()', '_refresh_' || v_step.step) INTO v_rows;
                END IF;
                v_outcome := 'ok';
                v_detail := nullif(current_setting('pgrec.refresh_detail', true), '');
            EXCEPTION WHEN OTHERS THEN
                v_outcome := 'error';
                v_detail := SQLSTATE || ': ' || SQLERRM;
                RAISE WARNING 'pgrec refresh step % failed: %', v_step.step, v_detail;
            END;
        END IF;
        -- caller: under SECURITY DEFINER current_user is the function's owner, which says
        -- nothing; the application_name (the scheduler sets one) or the login role does.
        INSERT INTO pgrec.refresh_runs (step, started_at, finished_at, rows, outcome, detail, caller)
        VALUES (v_step.step, v_started, clock_timestamp(), v_rows, v_outcome, v_detail,
                coalesce(nullif(current_setting('application_name', true), ''), session_user));

        step := v_step.step;
        outcome := v_outcome;
        rows := v_rows;
        seconds := extract(epoch FROM clock_timestamp() - v_started);
        RETURN NEXT;
    END LOOP;
END;
$$;
COMMENT ON FUNCTION rec.refresh(text, boolean) IS
'Recompute derived data (''all'' or one step of pgrec.refresh_steps); incremental steps process only what changed since their last run unless full is true. Returns one row per step: outcome ok|skipped|error, rows written, seconds. Concurrent callers of the same step skip instead of waiting; Python steps are skipped (pgrec refresh runs them).';
