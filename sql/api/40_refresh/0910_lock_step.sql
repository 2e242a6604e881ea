-- The lock of a refresh step for work done outside SQL (runner 'python', run by `pgrec
-- refresh` and the scheduler): the same advisory lock key rec.refresh takes, held for the
-- session until rec.unlock_step or disconnect (a process that dies releases it). One lock
-- layer for every step, whoever runs it. Returns false at once when someone else holds it.
-- A step name must name a step: a typo would otherwise lock (or unlock) nothing useful and
-- say nothing.
CREATE FUNCTION rec._check_step(p_step text)
RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF p_step IS NULL THEN
        RAISE EXCEPTION 'step must not be null' USING ERRCODE = '22004';
    END IF;
    IF NOT EXISTS (SELECT FROM pgrec.refresh_steps AS s WHERE s.step = p_step) THEN
        RAISE EXCEPTION 'unknown refresh step "%"', left(p_step, 100) USING ERRCODE = 'P0002',
            HINT = 'Steps are the rows of pgrec.refresh_steps.';
    END IF;
END;
$$;
COMMENT ON FUNCTION rec._check_step(text) IS 'Internal: the step exists (22004 null, P0002 unknown).';

CREATE FUNCTION rec.lock_step(step text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    PERFORM rec._check_step(step);
    RETURN pg_try_advisory_lock(rec._step_lock(step));
END;
$$;
COMMENT ON FUNCTION rec.lock_step(text) IS 'Take the session lock of a refresh step (the key rec.refresh uses); false when another session holds it.';

CREATE FUNCTION rec.unlock_step(step text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    PERFORM rec._check_step(step);
    RETURN pg_advisory_unlock(rec._step_lock(step));
END;
$$;
COMMENT ON FUNCTION rec.unlock_step(text) IS 'Release the session lock of a refresh step taken with rec.lock_step.';
