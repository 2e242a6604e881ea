-- Verify a presented API key secret: one row (name, scopes) when it is a live key, no row
-- otherwise. A malformed secret is simply not a key, so it returns no row instead of raising:
-- the caller answers 401 either way and learns nothing about which part was wrong.
CREATE FUNCTION rec.authenticate(secret text)
RETURNS TABLE (key_name text, key_scopes text[])
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_prefix text := (regexp_match(secret, '^pgrec_([0-9a-f]{12})_[0-9a-f]{64}$'))[1];
    v_key    pgrec.api_keys;
BEGIN
    IF v_prefix IS NULL THEN
        RETURN;
    END IF;
    SELECT * INTO v_key FROM pgrec.api_keys k
    WHERE k.prefix = v_prefix AND k.revoked_at IS NULL AND k.secret_hash = rec._api_key_digest(secret);
    IF NOT FOUND THEN
        RETURN;
    END IF;
    -- At most one write per key per minute: enough to tell unused keys apart, without turning
    -- every authenticated request into a row update. Wall-clock time (an audit fact).
    IF v_key.last_used_at IS NULL OR v_key.last_used_at < now() - interval '1 minute' THEN
        UPDATE pgrec.api_keys k SET last_used_at = now() WHERE k.id = v_key.id;
    END IF;
    key_name := v_key.name;
    key_scopes := v_key.scopes;
    RETURN NEXT;
END;
$$;
COMMENT ON FUNCTION rec.authenticate(text) IS
'Verify an API key secret: (key_name, key_scopes) for a live key, no row for an unknown, malformed or revoked one.';
