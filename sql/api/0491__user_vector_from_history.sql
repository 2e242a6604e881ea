-- A user's taste vector computed from their history: the mean of the l2-normalised
-- embeddings of their 50 most recent positive items (those already embedded). Normalising
-- first gives every item the same say whatever its embedding's length. `last_event_at` is
-- the newest positive event considered, embedded or not, so rec._user_vector can tell
-- whether a stored vector is still current. The refresh step user_vectors stores exactly this.
CREATE FUNCTION rec._user_vector_from_history(p_user_id bigint, p_now timestamptz)
RETURNS TABLE (embedding public.vector, items integer, last_event_at timestamptz)
LANGUAGE sql
STABLE
SET search_path = pg_catalog, public
AS $$
    WITH recent AS (
        SELECT e.item_id, max(e.occurred_at) AS last_at
        FROM pgrec.weighted_events AS e
        WHERE e.user_id = p_user_id AND e.polarity > 0 AND e.occurred_at <= p_now
        GROUP BY e.item_id
        ORDER BY last_at DESC, e.item_id
        LIMIT 50
    )
    SELECT avg(l2_normalize(i.embedding)), count(i.embedding)::integer, (SELECT max(r.last_at) FROM recent AS r)
    FROM recent AS h
    JOIN pgrec.items AS i ON i.id = h.item_id
    WHERE i.embedding IS NOT NULL;
$$;
COMMENT ON FUNCTION rec._user_vector_from_history(bigint, timestamptz) IS
'Internal: mean normalised embedding of the user''s 50 most recent positive items (NULL when none is embedded), with the item count and newest positive event time.';
