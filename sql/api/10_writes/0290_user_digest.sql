-- How an erased user's id is remembered (pgrec.forgotten_users): its SHA-256, so the tombstone
-- can refuse the id again without storing it.
CREATE FUNCTION rec._user_digest(p_external_id text)
RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT
AS $$
    SELECT pg_catalog.sha256(pg_catalog.convert_to(p_external_id, 'UTF8'));
$$;
COMMENT ON FUNCTION rec._user_digest(text) IS 'Internal: SHA-256 of a user id, as kept in pgrec.forgotten_users.';
