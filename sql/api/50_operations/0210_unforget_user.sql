-- Lift the tombstone of an erased user id, so rec.track may create that user again (an
-- administrator's decision, e.g. the person signed up anew). Returns whether one was removed.
CREATE FUNCTION rec.unforget_user(user_id text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_n integer;
BEGIN
    PERFORM rec._check_id('user_id', user_id);
    DELETE FROM pgrec.forgotten_users AS f WHERE f.id_digest = rec._user_digest(user_id);
    GET DIAGNOSTICS v_n = ROW_COUNT;
    IF v_n > 0 THEN
        INSERT INTO pgrec.audit_log (action, user_digest, actor) VALUES ('unforget', rec._user_digest(user_id), rec._actor());
    END IF;
    RETURN v_n > 0;
END;
$$;
COMMENT ON FUNCTION rec.unforget_user(text) IS 'Remove the tombstone of an erased user id so that events may create the user again. Returns true when one was removed.';
