-- The one definition of how a secret is stored, shared by key creation and verification.
CREATE FUNCTION rec._api_key_digest(p_secret text)
RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp
AS $$
    SELECT sha256(convert_to(p_secret, 'UTF8'));
$$;
COMMENT ON FUNCTION rec._api_key_digest(text) IS 'Internal: SHA-256 digest of an API key secret, as stored in pgrec.api_keys.';
