-- The users a batch of events, consents or follows names: those pgrec does not know yet are
-- created (a visitor becomes a user with their first event), except users erased at their
-- request (rec.forget_user), which are refused (22023): a late or retried batch must not bring
-- them back. Returns every user of the batch, (client id, internal id), for the caller's join.
-- The batch's users are looked up once by their client ids in pgrec.user_keys (on Citus the
-- shards of exactly those ids; a join of the batch with it would ask every shard), and new
-- ones claimed in id order (rec._claim_user_ids), so batches sharing users never deadlock.
-- p_what names the elements in the hint ("Drop events of erased users").
CREATE FUNCTION rec._create_users(p_batch text, p_elements jsonb, p_what text)
RETURNS TABLE (external_id text, user_id bigint)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_names  constant text[] := ARRAY(SELECT DISTINCT e ->> 'user_id' FROM jsonb_array_elements(p_elements) AS e);
    v_known  text[];
    v_erased record;
BEGIN
    v_known := ARRAY(SELECT k.external_id FROM pgrec.user_keys AS k WHERE k.external_id = ANY (v_names));
    SELECT t.ord - 1 AS idx, t.e ->> 'user_id' AS id INTO v_erased
    FROM jsonb_array_elements(p_elements) WITH ORDINALITY AS t(e, ord)
    WHERE t.e ->> 'user_id' <> ALL (v_known)
      AND EXISTS (SELECT FROM pgrec.forgotten_users AS f WHERE f.id_digest = rec._user_digest(t.e ->> 'user_id'))
    ORDER BY t.ord
    LIMIT 1;
    IF FOUND THEN
        PERFORM rec._raise_batch_problem(p_batch, v_erased.idx, NULL, '22023',
            format('user "%s" was erased at their request and is not re-created', v_erased.id),
            format('Drop %s of erased users; an administrator can lift this with rec.unforget_user.', p_what));
    END IF;

    INSERT INTO pgrec.users (id, external_id, created_at) OVERRIDING SYSTEM VALUE
    SELECT c.user_id, c.external_id, rec.now()
    FROM rec._claim_user_ids(v_names) AS c
    ORDER BY c.user_id;
    RETURN QUERY SELECT k.external_id, k.user_id FROM pgrec.user_keys AS k WHERE k.external_id = ANY (v_names);
END;
$$;
COMMENT ON FUNCTION rec._create_users(text, jsonb, text) IS
'Internal: create the unknown users a batch names, refusing users erased at their request (22023); returns the batch''s (client id, internal id) pairs.';
