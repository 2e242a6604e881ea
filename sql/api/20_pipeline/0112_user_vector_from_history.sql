-- A user's taste vector computed from their history: the mean of the l2-normalised embeddings
-- of their 50 most recent positive items (rec._recent_positive; those already embedded).
-- Normalising first gives every item the same say whatever its embedding's length. The
-- refresh step user_vectors stores exactly this (set-based, for every user at once).
CREATE FUNCTION rec._user_vector_from_history(p_user_id bigint, p_now timestamptz)
RETURNS public.vector
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH recent AS (
        -- The same 50 items the refresh step averages; the filter on the user reaches inside.
        SELECT r.item_id FROM rec._recent_positive('-infinity', p_now) AS r WHERE r.user_id = p_user_id
    )
    SELECT avg(l2_normalize(i.embedding))
    FROM recent AS h
    JOIN pgrec.items AS i ON i.id = h.item_id
    WHERE i.embedding IS NOT NULL;
$$;
COMMENT ON FUNCTION rec._user_vector_from_history(bigint, timestamptz) IS
'Internal: mean normalised embedding of the user''s 50 most recent positive items; NULL when none is embedded.';
