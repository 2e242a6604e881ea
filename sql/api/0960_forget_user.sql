-- Erase a user: their events, tag preferences, vector, onboarding answers — every row of
-- every pgrec table that references pgrec.users — and the user row itself. Tables are found
-- through their foreign keys rather than listed here, so data that later features attach to
-- a user (vectors, answers, …) is erased without this function having to know about it.
-- Derived aggregates (item stats, neighbours, trending) are recomputed from events, so they
-- stop counting the user at their next refresh.
CREATE FUNCTION rec.forget_user(user_id text)
RETURNS jsonb
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
    v_uid    bigint;
    v_ref    record;
    v_n      bigint;
    v_erased jsonb := '{}';
BEGIN
    PERFORM rec._check_id('user_id', user_id);
    -- Lock the user so a concurrent rec.track cannot attach new events halfway through.
    SELECT u.id INTO v_uid FROM pgrec.users u WHERE u.external_id = forget_user.user_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown user "%"', user_id
            USING ERRCODE = 'P0002', HINT = 'The user never existed or was already forgotten.';
    END IF;

    FOR v_ref IN
        SELECT c.conrelid::regclass AS tbl, cl.relname, a.attname
        FROM pg_constraint c
        JOIN pg_class cl ON cl.oid = c.conrelid
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'f'
          AND c.confrelid = 'pgrec.users'::regclass
          AND c.conrelid <> 'pgrec.users'::regclass
          AND cardinality(c.conkey) = 1
        ORDER BY cl.relname
    LOOP
        EXECUTE format('DELETE FROM %s WHERE %I = $1', v_ref.tbl, v_ref.attname) USING v_uid;
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_erased := v_erased || jsonb_build_object(v_ref.relname, coalesce((v_erased ->> v_ref.relname)::bigint, 0) + v_n);
    END LOOP;

    DELETE FROM pgrec.users u WHERE u.id = v_uid;
    v_erased := v_erased || jsonb_build_object('users', 1);
    RETURN jsonb_build_object('user_id', user_id, 'erased', v_erased);
END;
$$;
COMMENT ON FUNCTION rec.forget_user(text) IS
'Erase a user and everything that references them (events, preferences, vector, …). Returns {"user_id", "erased": {table: rows}}; P0002 for an unknown user. Derived aggregates drop the user at their next refresh.';
