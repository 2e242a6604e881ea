-- What a user declared, as one JSON object per user: the part of a profile that preference,
-- attribute and onboarding writes change. rec.upsert_users and rec.submit_onboarding take it
-- before and after they write; the keys that differ are the change (rec._record_profile_changes).
-- PL/pgSQL, not SQL: Citus cannot plan the parameterized queries of a SQL function over
-- distributed or reference tables (0A000), and PL/pgSQL plans them with the values.
CREATE FUNCTION rec._profile_facts(p_user_ids bigint[]) RETURNS TABLE (user_id bigint, facts jsonb)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    RETURN QUERY
    SELECT u.id,
           jsonb_build_object(
               'location', CASE WHEN u.lat IS NOT NULL THEN jsonb_build_object('lat', u.lat, 'lon', u.lon) END,
               'attributes', u.attributes,
               'preferred_tags', (SELECT coalesce(jsonb_object_agg(t.name, ut.weight ORDER BY t.name), '{}')
                                  FROM pgrec.user_tags AS ut JOIN pgrec.tags AS t ON t.id = ut.tag_id
                                  WHERE ut.user_id = u.id AND NOT ut.blocked),
               'blocked_tags', (SELECT coalesce(jsonb_agg(t.name ORDER BY t.name), '[]')
                                FROM pgrec.user_tags AS ut JOIN pgrec.tags AS t ON t.id = ut.tag_id
                                WHERE ut.user_id = u.id AND ut.blocked),
               'max_distance_km', u.max_distance_km,
               'price_min', u.price_min,
               'price_max', u.price_max,
               'personalization', u.personalization)
    FROM pgrec.users AS u
    WHERE u.id = ANY (p_user_ids);
END;
$$;
COMMENT ON FUNCTION rec._profile_facts(bigint[]) IS
'Internal: per user, what they declared (location, attributes, preferred and blocked tags, distance, price range, personalization) as JSON.';

-- Compare the users' declared facts now with p_before ({user id: facts}, taken before the
-- write; a user missing from it was new, and is compared with a user who declared nothing) and
-- record, for each user whose facts changed, a profile version (cause preferences or
-- onboarding, changes = the keys that changed with their new values) and an audit entry naming
-- the keys (not their values: the log outlives the data it would otherwise copy). Returns the
-- number of users changed.
CREATE FUNCTION rec._record_profile_changes(p_cause text, p_before jsonb, p_user_ids bigint[]) RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_nothing constant jsonb := '{"location": null, "attributes": {}, "preferred_tags": {}, "blocked_tags": [],
                                  "max_distance_km": null, "price_min": null, "price_max": null,
                                  "personalization": true}';
    v_users   bigint[];
    v_changes jsonb[];
BEGIN
    SELECT array_agg(x.user_id ORDER BY x.user_id), array_agg(x.changes ORDER BY x.user_id)
    INTO v_users, v_changes
    FROM (SELECT f.user_id,
                 (SELECT jsonb_object_agg(k.key, f.facts -> k.key)
                  FROM jsonb_object_keys(f.facts) AS k(key)
                  WHERE (f.facts -> k.key) IS DISTINCT FROM (coalesce(p_before -> f.user_id::text, v_nothing) -> k.key))
                 AS changes
          FROM rec._profile_facts(p_user_ids) AS f) AS x
    WHERE x.changes IS NOT NULL;
    IF v_users IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM rec._profile_versions(v_users, p_cause, v_changes);
    INSERT INTO pgrec.audit_log (action, user_digest, user_id, actor, details)
    SELECT p_cause, rec._user_digest(u.external_id), u.external_id, rec._actor(),
           jsonb_build_object('changed', (SELECT jsonb_agg(k ORDER BY k) FROM jsonb_object_keys(c.changes) AS k))
    FROM unnest(v_users, v_changes) AS c(user_id, changes)
    JOIN pgrec.users AS u ON u.id = c.user_id
    ORDER BY c.user_id;
    RETURN cardinality(v_users);
END;
$$;
COMMENT ON FUNCTION rec._record_profile_changes(text, jsonb, bigint[]) IS
'Internal: for each user whose declared facts differ from p_before, a profile version (preferences or onboarding) and an audit entry; returns users changed.';
