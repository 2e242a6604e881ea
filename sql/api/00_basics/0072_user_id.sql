-- The internal id of a client's user id, or NULL for a user pgrec does not know. Looked up in
-- pgrec.user_keys, where client ids are unique; on a Citus cluster that is one shard, where a
-- filter on pgrec.users.external_id would ask every shard. Callers keep the result in a
-- variable and then filter per-user tables by it, so those queries go to one worker too.
-- PL/pgSQL, not SQL: Citus cannot plan the parameterized queries of a SQL function over
-- distributed or reference tables (0A000), and PL/pgSQL plans them with the values.
CREATE FUNCTION rec._user_id(p_external_id text) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT k.user_id FROM pgrec.user_keys AS k WHERE k.external_id = p_external_id);
END;
$$;
COMMENT ON FUNCTION rec._user_id(text) IS 'Internal: pgrec.users.id of a client user id (pgrec.user_keys), NULL when unknown.';

-- Claim internal ids for the client ids that have none yet and return only those, so the
-- caller creates exactly these users (INSERT INTO pgrec.users (id, ...) OVERRIDING SYSTEM
-- VALUE). The claim is the insert into pgrec.user_keys: a concurrent caller naming the same
-- new id waits on its primary key and then finds it taken (ON CONFLICT DO NOTHING), so a user
-- is created once. Claims go in id order, so batches that share new users never deadlock.
-- Ids known already are left out first, so that they draw no sequence value.
CREATE FUNCTION rec._claim_user_ids(p_external_ids text[]) RETURNS TABLE (external_id text, user_id bigint)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    v_ids   text[] := ARRAY(SELECT DISTINCT x FROM unnest(p_external_ids) AS x WHERE x IS NOT NULL);
    v_known text[];
BEGIN
    -- One query for the whole batch (on Citus: the shards holding these ids), not one per id.
    v_known := ARRAY(SELECT k.external_id FROM pgrec.user_keys AS k WHERE k.external_id = ANY (v_ids));
    RETURN QUERY
    INSERT INTO pgrec.user_keys AS k (external_id, user_id)
    SELECT x.id, nextval(pg_catalog.pg_get_serial_sequence('pgrec.users', 'id'))
    FROM unnest(v_ids) AS x(id)
    WHERE x.id <> ALL (v_known)
    ORDER BY x.id
    ON CONFLICT ON CONSTRAINT user_keys_pkey DO NOTHING
    RETURNING k.external_id, k.user_id;
END;
$$;
COMMENT ON FUNCTION rec._claim_user_ids(text[]) IS
'Internal: give client user ids that have none an internal id (pgrec.user_keys); returns the new (external_id, user_id) pairs only.';
