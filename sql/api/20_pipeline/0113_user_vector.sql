-- The user's taste vector for serving: the stored one (refresh step user_vectors) while it is
-- current, i.e. no positive event newer than the newest one it includes (p_last_positive_at,
-- which the caller already knows from the user's history); otherwise computed on the spot, so
-- a like moves the next list without a refresh. NULL when nothing the user liked is embedded.
CREATE FUNCTION rec._user_vector(p_user_id bigint, p_now timestamptz, p_last_positive_at timestamptz)
RETURNS public.vector
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_stored pgrec.user_vectors;
BEGIN
    IF p_last_positive_at IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT * INTO v_stored FROM pgrec.user_vectors AS uv WHERE uv.user_id = p_user_id;
    IF FOUND AND v_stored.computed_at <= p_now AND v_stored.last_event_at >= p_last_positive_at THEN
        RETURN v_stored.embedding;
    END IF;
    RETURN rec._user_vector_from_history(p_user_id, p_now);
END;
$$;
COMMENT ON FUNCTION rec._user_vector(bigint, timestamptz, timestamptz) IS
'Internal: the user''s taste vector: stored (pgrec.user_vectors) while current, else computed from history; NULL when nothing is embedded.';
