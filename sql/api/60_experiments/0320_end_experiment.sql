-- End a running experiment now (ends_at = rec.now()): from here on everyone gets its control
-- variant and the report stops counting new impressions.
--   SELECT rec.end_experiment('blend_test');
-- Ending an experiment that has already ended changes nothing (a retried call is safe); one
-- that has not started has nothing to end (22023: move or leave its starts_at). Returns the
-- experiment as rec.experiments() lists it.
CREATE FUNCTION rec.end_experiment(name text)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_now        constant timestamptz := rec.now();
    v_experiment pgrec.experiments;
BEGIN
    PERFORM rec._check_experiment(end_experiment.name);
    SELECT * INTO v_experiment FROM pgrec.experiments AS e WHERE e.name = end_experiment.name FOR UPDATE;
    -- starts_at = now counts as not started: an experiment cannot end the instant it starts.
    IF v_experiment.starts_at >= v_now THEN
        RAISE EXCEPTION 'experiment "%" has not started (it starts at %): there is nothing to end',
                        v_experiment.name, v_experiment.starts_at
            USING ERRCODE = '22023', HINT = 'Move its starts_at with rec.upsert_experiment, or leave it.';
    END IF;
    IF rec._experiment_status(v_experiment.starts_at, v_experiment.ends_at, v_now) = 'running' THEN
        UPDATE pgrec.experiments AS e SET ends_at = v_now WHERE e.name = v_experiment.name;
    END IF;
    RETURN (SELECT to_jsonb(x) FROM rec.experiments() AS x WHERE x.name = v_experiment.name);
END;
$$;
COMMENT ON FUNCTION rec.end_experiment(text) IS
'End a running experiment now (ends_at = rec.now()); already ended: unchanged; not started: 22023. Returns the experiment as rec.experiments() lists it.';
