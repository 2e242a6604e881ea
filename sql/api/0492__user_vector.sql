-- The user's taste vector for serving: the stored one (refresh step user_vectors) while it is
-- current, i.e. no positive event has arrived since the newest one it includes; otherwise
-- computed on the spot from history, so a like moves the next feed without a refresh. NULL
-- when the user has no embedded positive item. Reads rec.now(), so replays see the vector
-- as it was.
CREATE FUNCTION rec._user_vector(p_user_id bigint)
RETURNS public.vector
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, public
AS $$
DECLARE
    v_now    constant timestamptz := rec.now();
    v_stored pgrec.user_vectors;
BEGIN
    SELECT * INTO v_stored FROM pgrec.user_vectors AS uv WHERE uv.user_id = p_user_id;
    IF FOUND AND v_stored.computed_at <= v_now
       AND NOT EXISTS (SELECT FROM pgrec.weighted_events AS e
                       WHERE e.user_id = p_user_id AND e.polarity > 0
                         AND e.occurred_at > v_stored.last_event_at AND e.occurred_at <= v_now) THEN
        RETURN v_stored.embedding;
    END IF;
    RETURN (SELECT h.embedding FROM rec._user_vector_from_history(p_user_id, v_now) AS h);
END;
$$;
COMMENT ON FUNCTION rec._user_vector(bigint) IS
'Internal: the user''s taste vector: stored (pgrec.user_vectors) while current, else computed from history; NULL when nothing is embedded.';
