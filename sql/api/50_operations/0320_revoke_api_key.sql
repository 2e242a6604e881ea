-- Revoke a key by name. The row stays (with revoked_at) so its name and prefix remain
-- explainable in old logs.
CREATE FUNCTION rec.revoke_api_key(name text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_revoked_at timestamptz;
BEGIN
    IF name IS NULL THEN
        RAISE EXCEPTION 'name must not be null' USING ERRCODE = '22004';
    END IF;
    SELECT k.revoked_at INTO v_revoked_at FROM pgrec.api_keys k WHERE k.name = revoke_api_key.name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown API key "%"', name USING ERRCODE = 'P0002', HINT = 'rec.api_keys() lists the keys.';
    END IF;
    IF v_revoked_at IS NOT NULL THEN
        RETURN false;
    END IF;
    -- Wall-clock time, not rec.now(): this is an audit fact, not part of a replayable ranking.
    UPDATE pgrec.api_keys k SET revoked_at = now() WHERE k.name = revoke_api_key.name;
    RETURN true;
END;
$$;
COMMENT ON FUNCTION rec.revoke_api_key(text) IS
'Revoke an API key by name: true when revoked by this call, false when it already was; P0002 for an unknown name.';
