-- The advisory lock key of a refresh step: one bigint per step name, the same whoever runs it
-- (rec.refresh for SQL steps, rec.lock_step for Python ones), so there is one lock layer.
-- pg_locks shows a bigint key as (classid, objid) = (high, low 32 bits), objsubid 1.
CREATE FUNCTION rec._step_lock(p_step text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (pg_catalog.hashtext('pgrec.refresh')::bigint << 32) | (pg_catalog.hashtext(p_step)::bigint & 4294967295);
$$;
COMMENT ON FUNCTION rec._step_lock(text) IS 'Internal: the advisory lock key (bigint) of a refresh step.';

-- Whether another session holds a step's lock right now (the step is running elsewhere). Not
-- this session: the scheduler takes the lock first and then asks whether the step is still due,
-- so that a run another replica committed a moment ago is seen before it runs again.
CREATE FUNCTION rec._step_running(p_step text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT FROM pg_catalog.pg_locks AS l
                   WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted
                     AND l.pid <> pg_catalog.pg_backend_pid()
                     AND ((l.classid::bigint << 32) | l.objid::bigint) = rec._step_lock(p_step));
$$;
COMMENT ON FUNCTION rec._step_running(text) IS 'Internal: true while another session holds the lock of the refresh step.';
