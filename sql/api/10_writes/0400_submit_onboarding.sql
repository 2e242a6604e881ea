-- Record a user's onboarding answers and turn them into tag preferences:
--   SELECT rec.submit_onboarding('u42', '{"interests": ["cooking", "music"], "level": "beginner"}');
-- answers is {question_id: option_id or [option_id, ...]}; a single-choice question takes one
-- option. Each picked option declares tags with weights (pgrec.onboarding_options.tags); a tag
-- picked through several options adds up (capped at 10, the pgrec.user_tags maximum) and
-- never lowers a weight the user already has. Blocked tags stay blocked. Answering a question
-- again replaces the stored answer; the preferences it produced before are kept (they are the
-- user's preferences now, changed with rec.upsert_users). Unknown users are created, like
-- rec.track does. Returns the number of preference rows written.
CREATE FUNCTION rec.submit_onboarding(user_id text, answers jsonb) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_tags     text[];
    v_hint constant text := 'answers is {"question_id": "option_id" or ["option_id", ...]}; see rec.onboarding_questions().';
    v_bad  record;
    v_uid  bigint;
    v_rows integer;
    v_before jsonb;
BEGIN
    PERFORM rec._check_id('user_id', user_id);
    -- Writes the user's shard, then tags (a reference table on Citus).
    PERFORM rec._citus_sequential();
    IF answers IS NULL THEN
        RAISE EXCEPTION 'answers must not be null' USING ERRCODE = '22004', HINT = v_hint;
    END IF;
    IF jsonb_typeof(answers) <> 'object' THEN
        RAISE EXCEPTION 'answers must be a JSON object, got %', jsonb_typeof(answers) USING ERRCODE = '22023', HINT = v_hint;
    END IF;

    SELECT a.key, q.multiple, q.question_id IS NULL AS unknown,
           jsonb_typeof(a.value) AS type,
           CASE jsonb_typeof(a.value) WHEN 'array' THEN jsonb_array_length(a.value) ELSE 1 END AS picked
    INTO v_bad
    FROM jsonb_each(answers) AS a
    LEFT JOIN pgrec.onboarding_questions AS q ON q.question_id = a.key AND q.active
    WHERE q.question_id IS NULL
       OR jsonb_typeof(a.value) NOT IN ('string', 'array')
       OR (jsonb_typeof(a.value) = 'array'
           AND EXISTS (SELECT FROM jsonb_array_elements(a.value) AS o WHERE jsonb_typeof(o) <> 'string'))
       OR (NOT q.multiple AND jsonb_typeof(a.value) = 'array' AND jsonb_array_length(a.value) > 1)
    ORDER BY a.key
    LIMIT 1;
    IF FOUND THEN
        IF v_bad.unknown THEN
            RAISE EXCEPTION 'unknown onboarding question "%"', v_bad.key USING ERRCODE = '22023', HINT = v_hint;
        ELSIF NOT v_bad.multiple AND v_bad.picked > 1 THEN
            RAISE EXCEPTION 'question "%" takes a single option, got %', v_bad.key, v_bad.picked
                USING ERRCODE = '22023', HINT = v_hint;
        ELSE
            RAISE EXCEPTION 'answer to "%" must be an option id or an array of option ids', v_bad.key
                USING ERRCODE = '22023', HINT = v_hint;
        END IF;
    END IF;

    SELECT a.key, p.option_id INTO v_bad
    FROM jsonb_each(answers) AS a
    CROSS JOIN LATERAL (SELECT x #>> '{}' AS option_id
                        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(a.value) = 'array' THEN a.value
                                                       ELSE jsonb_build_array(a.value) END) AS x) AS p
    WHERE NOT EXISTS (SELECT FROM pgrec.onboarding_options AS o
                      WHERE o.question_id = a.key AND o.option_id = p.option_id)
    ORDER BY a.key, p.option_id
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'unknown option "%" for question "%"', v_bad.option_id, v_bad.key
            USING ERRCODE = '22023', HINT = v_hint;
    END IF;

    INSERT INTO pgrec.users (id, external_id, created_at) OVERRIDING SYSTEM VALUE
    SELECT c.user_id, c.external_id, rec.now() FROM rec._claim_user_ids(ARRAY[user_id]) AS c;
    v_uid := rec._user_id(user_id);
    PERFORM FROM pgrec.users AS u WHERE u.id = v_uid FOR UPDATE;
    SELECT jsonb_object_agg(f.user_id::text, f.facts) INTO v_before FROM rec._profile_facts(ARRAY[v_uid]) AS f;

    INSERT INTO pgrec.onboarding_answers AS oa (user_id, question_id, option_ids, answered_at)
    SELECT v_uid, a.key,
           ARRAY(SELECT DISTINCT x FROM jsonb_array_elements_text(
                     CASE WHEN jsonb_typeof(a.value) = 'array' THEN a.value ELSE jsonb_build_array(a.value) END) AS x
                 ORDER BY x),
           rec.now()
    FROM jsonb_each(answers) AS a
    ON CONFLICT ON CONSTRAINT onboarding_answers_pkey
        DO UPDATE SET option_ids = excluded.option_ids, answered_at = excluded.answered_at;

    -- The tags of every picked option, created if new (an installation may seed questions
    -- before any item carries the tag). Read first, then created: a query over the user's
    -- answers runs on their shard on Citus, where it could not call a function that writes.
    v_tags := ARRAY(
        SELECT t.key
        FROM pgrec.onboarding_answers AS oa
        JOIN pgrec.onboarding_options AS o ON o.question_id = oa.question_id AND o.option_id = ANY (oa.option_ids)
        CROSS JOIN LATERAL jsonb_each(o.tags) AS t
        WHERE oa.user_id = v_uid AND answers ? oa.question_id);
    PERFORM rec._tag_ids(v_tags, true);

    INSERT INTO pgrec.user_tags AS ut (user_id, tag_id, weight, blocked)
    SELECT v_uid, tg.id, least(sum((t.value #>> '{}')::real), 10), false
    FROM pgrec.onboarding_answers AS oa
    JOIN pgrec.onboarding_options AS o ON o.question_id = oa.question_id AND o.option_id = ANY (oa.option_ids)
    CROSS JOIN LATERAL jsonb_each(o.tags) AS t
    CROSS JOIN LATERAL rec._parse_tag(t.key) AS p
    JOIN pgrec.tags AS tg ON tg.kind = p.kind AND tg.value = p.value
    WHERE oa.user_id = v_uid AND answers ? oa.question_id
    GROUP BY tg.id
    HAVING sum((t.value #>> '{}')::real) > 0
    ON CONFLICT ON CONSTRAINT user_tags_pkey DO UPDATE SET weight = greatest(ut.weight, excluded.weight)
        WHERE NOT ut.blocked;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    -- Preferences the answers added are a profile change (cause onboarding), audited.
    PERFORM rec._record_profile_changes('onboarding', v_before, ARRAY[v_uid]);
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION rec.submit_onboarding(text, jsonb) IS
'Store onboarding answers {question_id: option_id | [option_id]} and add the tag preferences the options declare (never lowering existing weights, never unblocking). Returns preference rows written; 22023 for unknown questions or options.';
