-- The user a read function is asked about: the id checked (22004 null, 22023 empty or too long),
-- then the row, all NULL for a user pgrec does not know (a visitor is not an error).
CREATE FUNCTION rec._user_by_id(p_user_id text) RETURNS pgrec.users
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_user pgrec.users;
BEGIN
    PERFORM rec._check_id('user_id', p_user_id);
    -- Two steps, each a single-shard query on Citus (user_keys, then users by id).
    v_user.id := rec._user_id(p_user_id);
    SELECT * INTO v_user FROM pgrec.users AS u WHERE u.id = v_user.id;
    RETURN v_user;
END;
$$;
COMMENT ON FUNCTION rec._user_by_id(text) IS 'Internal: the users row of an external id (checked), or a row of NULLs when unknown.';
