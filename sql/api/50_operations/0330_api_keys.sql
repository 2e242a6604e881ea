CREATE FUNCTION rec.api_keys()
RETURNS TABLE (key_name text, prefix text, key_scopes text[], created_at timestamptz,
               last_used_at timestamptz, revoked_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT k.name, k.prefix, k.scopes, k.created_at, k.last_used_at, k.revoked_at
    FROM pgrec.api_keys k
    ORDER BY k.name;
$$;
COMMENT ON FUNCTION rec.api_keys() IS
'Every API key (never its secret): name, public prefix, scopes, created, last used (to the minute) and revoked times.';

-- The public prefixes of the live keys: the HTTP API holds them in memory and refuses a key
-- with an unknown prefix without a query, so invented keys cannot make it load the database.
-- Prefixes are not secrets (they name keys in logs).
CREATE FUNCTION rec.api_key_prefixes()
RETURNS TABLE (prefix text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT k.prefix FROM pgrec.api_keys AS k WHERE k.revoked_at IS NULL ORDER BY k.prefix;
$$;
COMMENT ON FUNCTION rec.api_key_prefixes() IS 'Prefixes of live API keys (the HTTP API refuses other prefixes without a query).';
