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
