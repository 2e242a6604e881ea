-- Erase a user: their events, tag preferences, vector, onboarding answers — every row of every
-- pgrec table that references pgrec.users — and the user row itself, and leave a tombstone
-- (pgrec.forgotten_users, a digest of the id) so that rec.track refuses later events for them
-- instead of re-creating the user from a retried batch, and an audit entry that names the user by
-- that digest only (their earlier entries lose the id too). Tables are found through their foreign
-- keys (rec._user_references), so data that later features attach to a user is erased without
-- this function having to know about it.
--
-- The items the user created (creator_id) follow `items`:
--   'anonymize' (default)  they stay, but no longer name their creator
--   'delete'               they are deleted, with every event and derived row about them
--   'keep'                 left as they are (the host app erases or reassigns them itself)
-- Follows of the user as a creator (other users' rows naming this id) go with 'anonymize' and
-- 'delete': nothing carries the id any more; with 'keep' the items still do, and so do they.
-- Derived aggregates (item stats, neighbours, trending) are recomputed from events, so they
-- stop counting the user at their next refresh.
CREATE FUNCTION rec.forget_user(user_id text, items text DEFAULT 'anonymize') RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_uid    bigint;
    v_ref    record;
    v_n      bigint;
    v_erased jsonb := '{}';
    v_items  bigint[];
    v_users  bigint[];
BEGIN
    PERFORM rec._check_id('user_id', user_id);
    -- Deletes on the user's shards, then writes items and tombstones (reference tables on Citus).
    PERFORM rec._citus_sequential();
    IF items IS NULL OR items NOT IN ('anonymize', 'delete', 'keep') THEN
        RAISE EXCEPTION 'items must be anonymize, delete or keep, got %', coalesce(items, 'null')
            USING ERRCODE = CASE WHEN items IS NULL THEN '22004' ELSE '22023' END;
    END IF;
    -- Lock the user so a concurrent rec.track cannot attach new events halfway through.
    v_uid := rec._user_id(forget_user.user_id);
    PERFORM FROM pgrec.users AS u WHERE u.id = v_uid FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown user "%"', user_id
            USING ERRCODE = 'P0002', HINT = 'The user never existed or was already forgotten.';
    END IF;

    -- On Citus the change log has no triggers (rec._log_changes): the user's events, logged here
    -- (read first: a function call inside the query would run on the user's shard).
    v_items := ARRAY(SELECT DISTINCT e.item_id FROM pgrec.events AS e WHERE e.user_id = v_uid);
    PERFORM rec._log_changes('events', v_items, array_fill(v_uid, ARRAY[cardinality(v_items)]));
    FOR v_ref IN SELECT * FROM rec._user_references()
    LOOP
        EXECUTE format('DELETE FROM %s WHERE %I = $1', v_ref.tbl, v_ref.attname) USING v_uid;
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_erased := v_erased || jsonb_build_object(v_ref.relname, coalesce((v_erased ->> v_ref.relname)::bigint, 0) + v_n);
    END LOOP;
    DELETE FROM pgrec.users AS u WHERE u.id = v_uid;
    -- The client id's claim has no foreign key to the user (see pgrec.user_keys): it goes here.
    DELETE FROM pgrec.user_keys AS k WHERE k.external_id = forget_user.user_id;
    v_erased := v_erased || jsonb_build_object('users', 1);

    IF items = 'anonymize' THEN
        UPDATE pgrec.items AS i SET creator_id = NULL, updated_at = now() WHERE i.creator_id = forget_user.user_id;
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_erased := v_erased || jsonb_build_object('items_anonymized', v_n);
    ELSIF items = 'delete' THEN
        SELECT coalesce(array_agg(x.item_id), '{}'), coalesce(array_agg(x.user_id), '{}') INTO v_items, v_users
        FROM (SELECT DISTINCT e.item_id, e.user_id FROM pgrec.events AS e JOIN pgrec.items AS i ON i.id = e.item_id
              WHERE i.creator_id = forget_user.user_id) AS x;
        PERFORM rec._log_changes('events', v_items, v_users);
        v_items := ARRAY(SELECT i.id FROM pgrec.items AS i WHERE i.creator_id = forget_user.user_id ORDER BY i.id);
        IF pgrec.citus_enabled() THEN
            -- One PostgreSQL deletes their neighbour rows by trigger (pgrec.drop_item_neighbors);
            -- Citus has none on reference tables.
            DELETE FROM pgrec.item_neighbors AS n WHERE n.item_id = ANY (v_items) OR n.neighbor_id = ANY (v_items);
        END IF;
        DELETE FROM pgrec.items AS i WHERE i.id = ANY (v_items);
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_erased := v_erased || jsonb_build_object('items', v_n);
    END IF;
    IF items <> 'keep' THEN
        DELETE FROM pgrec.follows AS f WHERE f.creator_id = forget_user.user_id;
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_erased := v_erased || jsonb_build_object('followers', v_n);
    END IF;

    INSERT INTO pgrec.forgotten_users (id_digest) VALUES (rec._user_digest(user_id))
    ON CONFLICT (id_digest) DO UPDATE SET forgotten_at = excluded.forgotten_at;
    -- The audit log keeps the erasure and the user's earlier entries, by digest only.
    UPDATE pgrec.audit_log AS a SET user_id = NULL WHERE a.user_digest = rec._user_digest(forget_user.user_id);
    INSERT INTO pgrec.audit_log (action, user_digest, actor, details)
    VALUES ('forget', rec._user_digest(forget_user.user_id), rec._actor(),
            jsonb_build_object('items', items, 'erased', v_erased));
    RETURN jsonb_build_object('user_id', user_id, 'erased', v_erased);
END;
$$;
COMMENT ON FUNCTION rec.forget_user(text, text) IS
'Erase a user and everything that references them (events, preferences, vector, ...); their items are anonymized (default), deleted or kept; a tombstone makes rec.track refuse the id later. Returns {"user_id", "erased": {table: rows}}; P0002 for an unknown user.';
