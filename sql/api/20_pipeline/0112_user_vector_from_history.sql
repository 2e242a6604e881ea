-- A user's taste vector computed from their history: the mean of the l2-normalised embeddings
-- of their 50 most recent positive items (rec._recent_positive; those already embedded).
-- Normalising first gives every item the same say whatever its embedding's length. The
-- refresh step user_vectors stores exactly this (set-based, for every user at once).
-- PL/pgSQL, not SQL: Citus cannot plan the parameterized queries of a SQL function over
-- distributed or reference tables (0A000), and PL/pgSQL plans them with the values.
CREATE FUNCTION rec._user_vector_from_history(p_user_id bigint, p_now timestamptz) RETURNS public.vector
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_items bigint[];
BEGIN
    -- The same 50 items the refresh step averages, then their embeddings: two queries, each
    -- over one kind of table (on Citus the user's shard, then the catalogue's copy).
    v_items := ARRAY(SELECT r.item_id FROM rec._recent_positive('-infinity', p_now, ARRAY[p_user_id]) AS r);
    RETURN (SELECT avg(l2_normalize(i.embedding))
            FROM pgrec.items AS i
            WHERE i.id = ANY (v_items) AND i.embedding IS NOT NULL);
END;
$$;
COMMENT ON FUNCTION rec._user_vector_from_history(bigint, timestamptz) IS
'Internal: mean normalised embedding of the user''s 50 most recent positive items; NULL when none is embedded.';
