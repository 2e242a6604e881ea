-- The lock of a refresh step for work done outside SQL (runner 'python', run by `pgrec
-- refresh` and the scheduler): the same advisory lock key rec.refresh takes, held for the
-- session until rec.unlock_step or disconnect (a process that dies releases it). One lock
-- layer for every step, whoever runs it. Returns false at once when someone else holds it.
CREATE FUNCTION rec.lock_step(step text)
RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT pg_try_advisory_lock(rec._step_lock(step));
$$;
COMMENT ON FUNCTION rec.lock_step(text) IS 'Take the session lock of a refresh step (the key rec.refresh uses); false when another session holds it.';

CREATE FUNCTION rec.unlock_step(step text)
RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT pg_advisory_unlock(rec._step_lock(step));
$$;
COMMENT ON FUNCTION rec.unlock_step(text) IS 'Release the session lock of a refresh step taken with rec.lock_step.';
