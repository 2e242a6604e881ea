-- Log changes the incremental refresh steps cannot see in new events (pgrec.refresh_changes):
-- events deleted (p_kind 'events': the items and users whose events went) or embeddings
-- written (p_kind 'embedding': the items). On one PostgreSQL the triggers on pgrec.events and
-- pgrec.items log them (pgrec.log_event_changes, pgrec.log_embedding_changes) whoever makes
-- the change, and this does nothing. Citus refuses triggers on distributed and reference
-- tables, so there pgrec.place_tables dropped them, and the functions that delete events or
-- write embeddings call this instead (a DBA who deletes events by hand on a cluster then runs
-- rec.refresh('all', full => true)).
CREATE FUNCTION rec._log_changes(p_kind text, p_item_ids bigint[], p_user_ids bigint[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NOT pgrec.citus_enabled() THEN
        RETURN;
    END IF;
    INSERT INTO pgrec.refresh_changes (kind, item_id, user_id)
    SELECT DISTINCT p_kind, x.item_id, x.user_id
    FROM unnest(p_item_ids, coalesce(p_user_ids, array_fill(NULL::bigint, ARRAY[cardinality(p_item_ids)]))) AS x(item_id, user_id)
    WHERE x.item_id IS NOT NULL;
END;
$$;
COMMENT ON FUNCTION rec._log_changes(text, bigint[], bigint[]) IS
'Internal: on Citus (no triggers there), log deleted events'' items and users or written embeddings for the incremental refresh steps; a no-op on one PostgreSQL, where triggers log them.';
