-- Refresh step "user_vectors": store every user's taste vector (rec._user_vector_from_history:
-- mean normalised embedding of their 50 most recent positive items), so serving reads a row
-- instead of averaging embeddings. Users with nothing embedded get no row; rows of users who
-- no longer qualify are removed.
--
-- Incremental and exact: a vector depends only on the user's own positive events and the
-- embeddings of their items, so a run recomputes the users with events since the last run
-- (new, deleted or updated) and the users with a positive event on an item whose embedding was
-- written since (pgrec.refresh_changes), and leaves everyone else's row as it was. When many
-- embeddings changed (a backfill, a provider switch), most users are affected and the run
-- rebuilds in full. computed_at says when each row was computed.
CREATE FUNCTION rec._refresh_user_vectors(p_full boolean) RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_run    rec.refresh_run;
    v_items  bigint[];
    v_users  bigint[];
    v_detail text;
    v_rows   bigint;
BEGIN
    v_run := rec._refresh_begin('user_vectors', p_full, rec._event_types_digest());
    IF v_run.incremental THEN
        v_items := ARRAY(SELECT DISTINCT c.item_id FROM rec._changes_since(v_run, 'embedding') AS c);
        IF cardinality(v_items) > greatest(1000, (SELECT count(*) FROM pgrec.items) / 10) THEN
            v_run := rec._refresh_in_full(v_run, cardinality(v_items) || ' embeddings were written');
        END IF;
    END IF;

    IF NOT v_run.incremental THEN
        -- Readers see the previous rows until this transaction commits (MVCC).
        DELETE FROM pgrec.user_vectors;
        -- Set-based twin of rec._user_vector_from_history (same ranking and cut), which would
        -- cost one index scan per user.
        INSERT INTO pgrec.user_vectors (user_id, embedding, items, last_event_at, computed_at)
        SELECT r.user_id, avg(l2_normalize(i.embedding)), count(i.embedding), max(r.last_at), v_run.as_of
        FROM rec._recent_positive('-infinity', v_run.as_of) AS r
        LEFT JOIN pgrec.items AS i ON i.id = r.item_id AND i.embedding IS NOT NULL
        GROUP BY r.user_id
        HAVING count(i.embedding) > 0;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        v_detail := v_rows || ' users';
    ELSE
        EXECUTE 'SELECT array_agg(DISTINCT u.user_id ORDER BY u.user_id) FROM (
                     SELECT c.user_id FROM rec._changed_users($1, 1) AS c
                     UNION ALL
                     SELECT e.user_id FROM pgrec.weighted_events AS e
                     WHERE e.item_id = ANY ($3) AND e.polarity > 0 AND e.occurred_at <= $2) AS u'
        INTO v_users USING v_run, v_run.as_of, v_items;
        v_users := coalesce(v_users, '{}');
        DELETE FROM pgrec.user_vectors AS v WHERE v.user_id = ANY (v_users);
        -- Only these users' histories, through events_user_time.
        INSERT INTO pgrec.user_vectors (user_id, embedding, items, last_event_at, computed_at)
        SELECT r.user_id, avg(l2_normalize(i.embedding)), count(i.embedding), max(r.last_at), v_run.as_of
        FROM rec._recent_positive('-infinity', v_run.as_of, v_users) AS r
        LEFT JOIN pgrec.items AS i ON i.id = r.item_id AND i.embedding IS NOT NULL
        GROUP BY r.user_id
        HAVING count(i.embedding) > 0;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        v_detail := cardinality(v_users) || ' users recomputed (' || cardinality(v_items) || ' embeddings written)';
    END IF;
    RETURN rec._refresh_save(v_run, v_detail, v_rows);
END;
$$;
COMMENT ON FUNCTION rec._refresh_user_vectors(boolean) IS
'Refresh step user_vectors: pgrec.user_vectors for the users whose positive events or item embeddings changed since the last run (every user when p_full). Returns rows written.';
