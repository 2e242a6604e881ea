-- The users a batch of events, consents or follows names: those pgrec does not know yet are
-- created (a visitor becomes a user with their first event), except users erased at their
-- request (rec.forget_user), which are refused (22023): a late or retried batch must not bring
-- them back. New users are inserted in id order, so concurrent batches sharing users never
-- deadlock. p_what names the elements in the hint ("Drop events of erased users").
CREATE FUNCTION rec._create_users(p_batch text, p_elements jsonb, p_what text) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_erased record;
BEGIN
    SELECT t.ord - 1 AS idx, t.e ->> 'user_id' AS id INTO v_erased
    FROM jsonb_array_elements(p_elements) WITH ORDINALITY AS t(e, ord)
    WHERE NOT EXISTS (SELECT FROM pgrec.users AS u WHERE u.external_id = t.e ->> 'user_id')
      AND EXISTS (SELECT FROM pgrec.forgotten_users AS f WHERE f.id_digest = rec._user_digest(t.e ->> 'user_id'))
    ORDER BY t.ord
    LIMIT 1;
    IF FOUND THEN
        PERFORM rec._raise_batch_problem(p_batch, v_erased.idx, NULL, '22023',
            format('user "%s" was erased at their request and is not re-created', v_erased.id),
            format('Drop %s of erased users; an administrator can lift this with rec.unforget_user.', p_what));
    END IF;

    INSERT INTO pgrec.users (external_id, created_at)
    SELECT DISTINCT e ->> 'user_id', rec.now()
    FROM jsonb_array_elements(p_elements) AS e
    ORDER BY 1
    ON CONFLICT (external_id) DO NOTHING;
END;
$$;
COMMENT ON FUNCTION rec._create_users(text, jsonb, text) IS
'Internal: create the unknown users a batch names, refusing users erased at their request (22023).';
