-- Create or update users from a JSON array. Keys left out (at the top level and inside
-- "preferences") keep their stored values; preferred_tags and blocked_tags, when given,
-- replace the stored sets. The batch is validated whole before anything is written. Users whose
-- declared facts changed get a new profile version and an audit entry (rec._record_profile_changes).
CREATE FUNCTION rec.upsert_users(users jsonb) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_allowed constant text[] := ARRAY['id', 'created_at', 'location', 'attributes', 'preferences'];
    v_pref_allowed constant text[] := ARRAY['preferred_tags', 'blocked_tags', 'max_distance_km',
                                            'price_min', 'price_max', 'personalization'];
    v_new     text[];
    v_ids     bigint[];
    v_id      bigint;
    v_updated integer;
    v_before  jsonb;
BEGIN
    PERFORM rec._check_batch('users', users, 10000);
    -- Writes users on many shards, then tags (a reference table on Citus).
    PERFORM rec._citus_sequential();

    -- The first problem, if any (LIMIT in a subquery: raised for that row alone).
    PERFORM rec._raise_batch_problem('users', p.idx, p.id, p.code, p.problem,
            'A user is {"id": text, "created_at", "location": {"lat","lon"}, "attributes": {}, "preferences": '
            '{"preferred_tags": {"tag": weight} or ["tag"], "blocked_tags": ["tag"], "max_distance_km", '
            '"price_min", "price_max", "personalization": bool}}.')
    FROM (SELECT t.ord - 1 AS idx, t.e ->> 'id' AS id, c.code, c.problem
          FROM rec._batch_elements(users, 'id') AS t
          CROSS JOIN LATERAL (SELECT CASE WHEN jsonb_typeof(t.e) = 'object' THEN t.e -> 'preferences' END AS p) AS pr
          CROSS JOIN LATERAL (SELECT * FROM rec._keyed_object_problems(t.e, 'id', v_allowed, t.copies)
                              UNION ALL VALUES
              (5, '22023', CASE WHEN jsonb_typeof(t.e) = 'object' THEN coalesce(
                  'created_at '  || rec._json_problem(t.e -> 'created_at', 'timestamp'),
                  'location '    || rec._json_problem(t.e -> 'location', 'location'),
                  'attributes '  || rec._json_problem(t.e -> 'attributes', 'object'),
                  'preferences ' || rec._json_problem(pr.p, 'object')) END),
              (6, '22023', CASE WHEN jsonb_typeof(pr.p) = 'object' THEN coalesce(
                  'unknown preferences ' || rec._unknown_keys(pr.p, v_pref_allowed),
                  CASE WHEN jsonb_typeof(pr.p -> 'preferred_tags') NOT IN ('object', 'array', 'null')
                       THEN 'preferred_tags must be {"tag": weight} or ["tag", ...]' END,
                  CASE WHEN jsonb_typeof(pr.p -> 'preferred_tags') = 'array'
                       THEN 'preferred_tags ' || rec._json_problem(pr.p -> 'preferred_tags', 'tags') END,
                  CASE WHEN jsonb_typeof(pr.p -> 'preferred_tags') = 'object'
                            AND (SELECT count(*) FROM jsonb_object_keys(pr.p -> 'preferred_tags')) > 200
                       THEN 'preferred_tags must hold at most 200 tags' END,
                  CASE WHEN jsonb_typeof(pr.p -> 'preferred_tags') = 'object' AND EXISTS (
                           SELECT FROM jsonb_each(pr.p -> 'preferred_tags') AS w(tag, weight)
                           WHERE btrim(w.tag) = '' OR length(w.tag) > 200 OR jsonb_typeof(w.weight) <> 'number'
                              OR (w.weight #>> '{}')::numeric <= 0 OR (w.weight #>> '{}')::numeric > 10)
                       THEN 'preferred_tags weights must be numbers in (0, 10] keyed by non-empty tags' END,
                  'blocked_tags '    || rec._json_problem(pr.p -> 'blocked_tags', 'tags'),
                  'max_distance_km ' || rec._json_problem(pr.p -> 'max_distance_km', 'distance'),
                  'price_min '       || rec._json_problem(pr.p -> 'price_min', 'amount'),
                  'price_max '       || rec._json_problem(pr.p -> 'price_max', 'amount'),
                  CASE WHEN jsonb_typeof(pr.p -> 'price_min') = 'number' AND jsonb_typeof(pr.p -> 'price_max') = 'number'
                            AND (pr.p ->> 'price_min')::numeric > (pr.p ->> 'price_max')::numeric
                       THEN 'price_min must not exceed price_max' END,
                  'personalization ' || rec._json_problem(pr.p -> 'personalization', 'boolean'),
                  CASE WHEN jsonb_typeof(pr.p -> 'personalization') = 'null' THEN 'personalization must be true or false' END,
                  CASE WHEN EXISTS (
                           SELECT FROM rec._user_rows(jsonb_build_array(t.e)) AS r
                           CROSS JOIN LATERAL jsonb_object_keys(r.preferred) AS pt(tag)
                           CROSS JOIN LATERAL rec._parse_tag(pt.tag) AS p1
                           CROSS JOIN LATERAL jsonb_array_elements_text(r.blocked) AS bt(tag)
                           CROSS JOIN LATERAL rec._parse_tag(bt.tag) AS p2
                           WHERE (p1.kind, p1.value) = (p2.kind, p2.value))
                       THEN 'a tag cannot be both preferred and blocked' END) END)
          ) AS c(n, code, problem)
          WHERE c.problem IS NOT NULL
          ORDER BY t.ord, c.n
          LIMIT 1) AS p;

    -- New users: claim their ids (pgrec.user_keys, in id order, so concurrent batches that
    -- share new users never deadlock), then create exactly those rows.
    WITH claimed AS (
        SELECT c.* FROM rec._claim_user_ids(ARRAY(SELECT s.external_id FROM rec._user_rows(users) AS s)) AS c
    ),
    inserted AS (
        INSERT INTO pgrec.users (id, external_id, created_at, lat, lon, attributes,
                                 max_distance_km, price_min, price_max, personalization)
        OVERRIDING SYSTEM VALUE
        SELECT c.user_id, s.external_id, coalesce(s.created_at, rec.now()), s.lat, s.lon, coalesce(s.attributes, '{}'),
               s.max_distance_km, s.price_min, s.price_max, coalesce(s.personalization, true)
        FROM rec._user_rows(users) AS s
        JOIN claimed AS c ON c.external_id = s.external_id
        ORDER BY c.user_id
        RETURNING external_id)
    SELECT coalesce(array_agg(external_id), '{}') INTO v_new FROM inserted;

    -- Every user of the batch by internal id: the per-user tables are keyed by it.
    SELECT coalesce(array_agg(k.user_id ORDER BY k.user_id), '{}') INTO v_ids
    FROM pgrec.user_keys AS k
    WHERE k.external_id IN (SELECT s.external_id FROM rec._user_rows(users) AS s);

    -- Existing users: locked in id order first (same reason), then updated in a separate
    -- statement (new snapshot) so a user created concurrently is updated, not skipped. One
    -- user at a time: Citus locks rows only in single-shard queries, and in this order the
    -- locks are taken the same way on one node as on a cluster.
    FOREACH v_id IN ARRAY v_ids LOOP
        PERFORM FROM pgrec.users AS u WHERE u.id = v_id FOR UPDATE;
    END LOOP;
    -- What the existing users declared before this call, to record what it changes in their
    -- profiles (rec._record_profile_changes).
    SELECT coalesce(jsonb_object_agg(f.user_id::text, f.facts), '{}') INTO v_before
    FROM rec._profile_facts(ARRAY(SELECT k.user_id FROM pgrec.user_keys AS k
                                  WHERE k.external_id IN (SELECT s.external_id FROM rec._user_rows(users) AS s)
                                    AND k.external_id <> ALL (v_new))) AS f;
    UPDATE pgrec.users AS u SET
        created_at      = CASE WHEN 'created_at' = ANY (s.keys) THEN coalesce(s.created_at, u.created_at) ELSE u.created_at END,
        lat             = CASE WHEN 'location' = ANY (s.keys) THEN s.lat ELSE u.lat END,
        lon             = CASE WHEN 'location' = ANY (s.keys) THEN s.lon ELSE u.lon END,
        attributes      = CASE WHEN 'attributes' = ANY (s.keys) THEN coalesce(s.attributes, '{}') ELSE u.attributes END,
        max_distance_km = CASE WHEN 'max_distance_km' = ANY (s.pref_keys) THEN s.max_distance_km ELSE u.max_distance_km END,
        price_min       = CASE WHEN 'price_min' = ANY (s.pref_keys) THEN s.price_min ELSE u.price_min END,
        price_max       = CASE WHEN 'price_max' = ANY (s.pref_keys) THEN s.price_max ELSE u.price_max END,
        personalization = coalesce(s.personalization, u.personalization),
        updated_at      = now()
    FROM rec._user_rows(users) AS s
    WHERE u.id = ANY (v_ids)
      AND u.external_id = s.external_id
      AND s.external_id <> ALL (v_new);
    GET DIAGNOSTICS v_updated = ROW_COUNT;

    -- Tag preferences: a given list replaces the stored one of the same kind (preferred or
    -- blocked); the other kind is kept.
    PERFORM rec._tag_ids(array_agg(tag), true)
    FROM rec._user_rows(users) AS s
    CROSS JOIN LATERAL (SELECT jsonb_object_keys(s.preferred) UNION ALL
                        SELECT jsonb_array_elements_text(s.blocked)) AS t(tag);

    DELETE FROM pgrec.user_tags AS ut
    USING rec._user_rows(users) AS s, pgrec.users AS u
    WHERE u.id = ANY (v_ids) AND ut.user_id = ANY (v_ids)
      AND u.external_id = s.external_id AND ut.user_id = u.id
      AND ((ut.blocked AND 'blocked_tags' = ANY (s.pref_keys))
           OR (NOT ut.blocked AND 'preferred_tags' = ANY (s.pref_keys)));

    INSERT INTO pgrec.user_tags AS ut (user_id, tag_id, weight, blocked)
    SELECT u.id, tg.id, max(w.weight), false
    FROM rec._user_rows(users) AS s
    JOIN pgrec.users AS u ON u.external_id = s.external_id AND u.id = ANY (v_ids)
    CROSS JOIN LATERAL (SELECT k, (v #>> '{}')::real FROM jsonb_each(s.preferred) AS x(k, v)) AS w(tag, weight)
    CROSS JOIN LATERAL rec._parse_tag(w.tag) AS p
    JOIN pgrec.tags AS tg ON tg.kind = p.kind AND tg.value = p.value
    GROUP BY u.id, tg.id
    ON CONFLICT (user_id, tag_id) DO UPDATE SET weight = excluded.weight, blocked = false;

    INSERT INTO pgrec.user_tags AS ut (user_id, tag_id, weight, blocked)
    SELECT DISTINCT u.id, tg.id, 1, true
    FROM rec._user_rows(users) AS s
    JOIN pgrec.users AS u ON u.external_id = s.external_id AND u.id = ANY (v_ids)
    CROSS JOIN LATERAL jsonb_array_elements_text(s.blocked) AS b(tag)
    CROSS JOIN LATERAL rec._parse_tag(b.tag) AS p
    JOIN pgrec.tags AS tg ON tg.kind = p.kind AND tg.value = p.value
    ON CONFLICT (user_id, tag_id) DO UPDATE SET blocked = true, weight = 1;

    PERFORM rec._record_profile_changes('preferences', v_before, v_ids);
    RETURN cardinality(v_new) + v_updated;
END;
$$;
COMMENT ON FUNCTION rec.upsert_users(jsonb) IS
'Create or update users from a JSON array of {id, created_at, location {lat, lon}, attributes, preferences {preferred_tags, blocked_tags, max_distance_km, price_min, price_max, personalization}}. Keys left out keep stored values. Returns rows written.';
