-- Record users' consent per purpose (pgrec.consent_purposes: personalization, analytics):
--   SELECT rec.upsert_consents('[{"user_id": "u42", "purpose": "personalization", "granted": false}]');
-- Each element is {user_id, purpose, granted, at?}: at (ISO-8601, default now, at most a day
-- ahead) is when the user answered, and an answer older than the one stored is ignored (a late
-- delivery must not undo a newer choice); in one batch the latest answer per user and purpose
-- counts. The batch is validated whole (22004 missing, 22023 malformed or unknown purpose,
-- naming the element). Unknown users are created, as rec.track creates them (consent may come
-- before the first event); erased users are refused. Each changed answer is a profile version
-- (cause consent) and an audit entry. Returns the number of answers that changed.
--
-- Withdrawing personalization makes every list treat the user as a visitor (their blocked tags
-- still apply); withdrawing analytics leaves them out of rec.analytics.
CREATE FUNCTION rec.upsert_consents(consents jsonb) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_allowed constant text[] := ARRAY['user_id', 'purpose', 'granted', 'at'];
    v_now     constant timestamptz := rec.now();
    v_hint    constant text := 'A consent is {"user_id": text, "purpose": one of pgrec.consent_purposes, '
                               '"granted": true|false, "at"?: ISO-8601 timestamp}.';
    v_known   text[];
    v_ids     bigint[];
    v_w_users bigint[];
    v_w_purposes text[];
    v_w_granted  boolean[];
    v_w_at       timestamptz[];
    v_users   bigint[];
    v_changes jsonb[];
BEGIN
    PERFORM rec._check_batch('consents', consents, 10000);
    -- The first problem, if any (LIMIT in a subquery: raised for that row alone).
    PERFORM rec._raise_batch_problem('consents', p.idx, NULL, p.code, p.problem,
            v_hint || ' Purposes: ' || (SELECT string_agg(p.purpose, ', ' ORDER BY p.purpose) FROM pgrec.consent_purposes AS p))
    FROM (SELECT t.ord - 1 AS idx, c.code, c.problem
          FROM jsonb_array_elements(consents) WITH ORDINALITY AS t(e, ord)
          LEFT JOIN pgrec.consent_purposes AS p ON p.purpose = t.e ->> 'purpose'
          CROSS JOIN LATERAL (SELECT * FROM rec._object_problems(t.e, ARRAY['user_id', 'purpose', 'granted'], v_allowed)
                              UNION ALL VALUES
              (5, '22023', CASE WHEN jsonb_typeof(t.e) = 'object' THEN coalesce(
                  'user_id ' || rec._json_problem(t.e -> 'user_id', 'id'),
                  'purpose ' || rec._json_problem(t.e -> 'purpose', 'text'),
                  CASE WHEN p.purpose IS NULL THEN format('unknown purpose "%s"', left(t.e ->> 'purpose', 200)) END,
                  'granted ' || rec._json_problem(t.e -> 'granted', 'boolean'),
                  'at ' || rec._json_problem(t.e -> 'at', 'timestamp'),
                  CASE WHEN (t.e ->> 'at')::timestamptz > v_now + interval '1 day' THEN 'at is more than a day in the future' END)
                  END)
          ) AS c(n, code, problem)
          WHERE c.problem IS NOT NULL
          ORDER BY t.ord, c.n
          LIMIT 1) AS p;

    -- The batch's users (on Citus the shards of those ids); then the answers written, and what
    -- changed read back as values for the audit log and the profile versions (each its own
    -- statement, which Citus plans on its own).
    SELECT array_agg(c.external_id), array_agg(c.user_id) INTO v_known, v_ids
    FROM rec._create_users('consents', consents, 'answers') AS c;
    WITH latest AS (
        SELECT DISTINCT ON (k.user_id, t.e ->> 'purpose')
               k.user_id, t.e ->> 'purpose' AS purpose, (t.e ->> 'granted')::boolean AS granted,
               coalesce((t.e ->> 'at')::timestamptz, v_now) AS at
        FROM jsonb_array_elements(consents) WITH ORDINALITY AS t(e, ord)
        JOIN unnest(v_known, v_ids) AS k(external_id, user_id) ON k.external_id = t.e ->> 'user_id'
        ORDER BY k.user_id, t.e ->> 'purpose', coalesce((t.e ->> 'at')::timestamptz, v_now) DESC, t.ord DESC
    ),
    written AS (
        INSERT INTO pgrec.consents AS c (user_id, purpose, granted, updated_at)
        SELECT l.user_id, l.purpose, l.granted, l.at FROM latest AS l
        ORDER BY l.user_id, l.purpose
        ON CONFLICT (user_id, purpose) DO UPDATE SET granted = excluded.granted, updated_at = excluded.updated_at
            WHERE c.updated_at <= excluded.updated_at AND c.granted IS DISTINCT FROM excluded.granted
        RETURNING c.user_id, c.purpose, c.granted, c.updated_at
    )
    SELECT array_agg(w.user_id ORDER BY w.user_id, w.purpose), array_agg(w.purpose ORDER BY w.user_id, w.purpose),
           array_agg(w.granted ORDER BY w.user_id, w.purpose), array_agg(w.updated_at ORDER BY w.user_id, w.purpose)
    INTO v_w_users, v_w_purposes, v_w_granted, v_w_at
    FROM written AS w;
    IF v_w_users IS NULL THEN
        RETURN 0;
    END IF;
    INSERT INTO pgrec.audit_log (action, user_digest, user_id, actor, details)
    SELECT 'consent', rec._user_digest(k.external_id), k.external_id, rec._actor(),
           jsonb_build_object('purpose', w.purpose, 'granted', w.granted, 'at', w.at)
    FROM unnest(v_w_users, v_w_purposes, v_w_granted, v_w_at) WITH ORDINALITY AS w(user_id, purpose, granted, at, ord)
    JOIN unnest(v_known, v_ids) AS k(external_id, user_id) ON k.user_id = w.user_id
    ORDER BY w.ord;
    SELECT array_agg(x.user_id ORDER BY x.user_id), array_agg(x.changes ORDER BY x.user_id) INTO v_users, v_changes
    FROM (SELECT w.user_id, jsonb_build_object('consents', jsonb_object_agg(w.purpose, w.granted)) AS changes
          FROM unnest(v_w_users, v_w_purposes, v_w_granted) AS w(user_id, purpose, granted) GROUP BY w.user_id) AS x;
    IF v_users IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM rec._profile_versions(v_users, 'consent', v_changes);
    RETURN (SELECT sum((SELECT count(*) FROM jsonb_object_keys(c -> 'consents')))::integer FROM unnest(v_changes) AS c);
END;
$$;
COMMENT ON FUNCTION rec.upsert_consents(jsonb) IS
'Record consent answers [{user_id, purpose, granted, at?}] (purposes in pgrec.consent_purposes); older answers than the stored one are ignored; each change is a profile version and an audit entry. Returns answers changed.';

-- A user's consent per purpose: their answer and when, or the purpose's default (answered
-- false). A user pgrec does not know gets the defaults.
CREATE FUNCTION rec.consents(user_id text)
RETURNS TABLE (purpose text, granted boolean, answered boolean, updated_at timestamptz, description text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_uid bigint;
BEGIN
    v_uid := (rec._user_by_id(consents.user_id)).id;
    RETURN QUERY
    SELECT p.purpose, coalesce(c.granted, p.default_granted), c.user_id IS NOT NULL, c.updated_at, p.description
    FROM pgrec.consent_purposes AS p
    LEFT JOIN pgrec.consents AS c ON c.user_id = v_uid AND c.purpose = p.purpose
    ORDER BY p.purpose;
END;
$$;
COMMENT ON FUNCTION rec.consents(text) IS
'A user''s consent per purpose (purpose, granted, answered, updated_at, description); without an answer, the purpose''s default.';
