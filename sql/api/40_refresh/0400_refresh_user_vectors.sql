-- Refresh step "user_vectors": store every user's taste vector (rec._user_vector_from_history:
-- mean normalised embedding of their 50 most recent positive items), so serving reads a row
-- instead of averaging embeddings. Recomputed for all users with positive events: embeddings
-- change too (the embedding worker), not only histories. Users with nothing embedded get no
-- row; rows of users who no longer qualify are removed.
CREATE FUNCTION rec._refresh_user_vectors()
RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp SET work_mem = '256MB'
AS $$
DECLARE
    v_now  constant timestamptz := rec.now();
    v_rows bigint;
BEGIN
    -- Readers see the previous rows until this transaction commits (MVCC).
    DELETE FROM pgrec.user_vectors;
    -- Set-based twin of rec._user_vector_from_history (same ranking and cut), which would cost
    -- one index scan per user.
    WITH recent AS (
        SELECT * FROM rec._recent_positive('-infinity', v_now)
    )
    INSERT INTO pgrec.user_vectors (user_id, embedding, items, last_event_at, computed_at)
    SELECT r.user_id, avg(l2_normalize(i.embedding)), count(i.embedding), max(r.last_at), v_now
    FROM recent AS r
    LEFT JOIN pgrec.items AS i ON i.id = r.item_id AND i.embedding IS NOT NULL
    GROUP BY r.user_id
    HAVING count(i.embedding) > 0;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION rec._refresh_user_vectors() IS
'Refresh step user_vectors: recompute pgrec.user_vectors for every user with an embedded positive item. Returns rows written.';
