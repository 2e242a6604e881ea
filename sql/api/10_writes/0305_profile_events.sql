-- Profile versions: one per transaction that changes a user's profile. Each call passes the
-- users it changed, why (events, preferences, onboarding, consent, rules) and what changed; a
-- user already changed earlier in the same transaction keeps that version and its history row
-- merges the new changes (rec._merge_profile_changes), so one call is one version.
CREATE FUNCTION rec._merge_profile_changes(p_old jsonb, p_new jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT p_old || p_new
           || CASE WHEN p_old ? 'events' AND p_new ? 'events'
                   THEN jsonb_build_object('events', (p_old ->> 'events')::bigint + (p_new ->> 'events')::bigint)
                   ELSE '{}' END
           || CASE WHEN p_old ? 'interests' AND p_new ? 'interests'
                   THEN jsonb_build_object('interests', (
                            SELECT jsonb_object_agg(y.k, y.v)
                            FROM (SELECT x.k, round(sum(x.v), 3) AS v
                                  FROM (SELECT o.key AS k, o.value::numeric AS v FROM jsonb_each_text(p_old -> 'interests') AS o
                                        UNION ALL
                                        SELECT n.key, n.value::numeric FROM jsonb_each_text(p_new -> 'interests') AS n) AS x
                                  GROUP BY x.k) AS y))
                   ELSE '{}' END;
$$;
COMMENT ON FUNCTION rec._merge_profile_changes(jsonb, jsonb) IS
'Internal: two changes of one profile version as one (event counts and interest moves added, other keys the newer).';

-- PL/pgSQL in steps, not one SQL statement: on Citus the profiles and their history are
-- distributed by user, and a SQL function's parameterized queries over them cannot be planned
-- (0A000); the versions are written first and their numbers read back as values.
CREATE FUNCTION rec._profile_versions(p_user_ids bigint[], p_cause text, p_changes jsonb[],
                                      p_counts bigint[] DEFAULT NULL, p_positive bigint[] DEFAULT NULL,
                                      p_negative bigint[] DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_now      constant timestamptz := rec.now();
    v_xact     constant xid8 := pg_current_xact_id();
    v_users    bigint[];
    v_versions bigint[];
    v_at       timestamptz[];
    v_rows     integer;
BEGIN
    WITH versioned AS (
        INSERT INTO pgrec.profiles AS p (user_id, version, updated_at, events, positive_events, negative_events, last_xact)
        SELECT x.user_id, 1, v_now, coalesce(x.n, 0), coalesce(x.pos, 0), coalesce(x.neg, 0), v_xact
        FROM unnest(p_user_ids, p_counts, p_positive, p_negative) AS x(user_id, n, pos, neg)
        -- User id order: concurrent calls that share users lock them in one order.
        ORDER BY x.user_id
        ON CONFLICT (user_id) DO UPDATE SET
            version = p.version + CASE WHEN p.last_xact = excluded.last_xact THEN 0 ELSE 1 END,
            updated_at = excluded.updated_at,
            events = p.events + excluded.events,
            positive_events = p.positive_events + excluded.positive_events,
            negative_events = p.negative_events + excluded.negative_events,
            last_xact = excluded.last_xact
        RETURNING p.user_id, p.version, p.updated_at
    )
    SELECT array_agg(v.user_id ORDER BY v.user_id), array_agg(v.version ORDER BY v.user_id),
           array_agg(v.updated_at ORDER BY v.user_id)
    INTO v_users, v_versions, v_at
    FROM versioned AS v;

    INSERT INTO pgrec.profile_history AS h (user_id, version, changed_at, cause, changes)
    SELECT v.user_id, v.version, v.at, p_cause, c.changes
    FROM unnest(v_users, v_versions, v_at) AS v(user_id, version, at)
    JOIN unnest(p_user_ids, p_changes) AS c(user_id, changes) ON c.user_id = v.user_id
    ORDER BY v.user_id
    ON CONFLICT (user_id, version) DO UPDATE SET changes = rec._merge_profile_changes(h.changes, excluded.changes);
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION rec._profile_versions(bigint[], text, jsonb[], bigint[], bigint[], bigint[]) IS
'Internal: a new profile version (one per transaction) and its history row for each user changed, with event counts.';

-- A profile's part of rec.track: fold the new events into their users' behaviour interests
-- (pgrec.profile_interests), counts and versions, in a few statements per call whatever the batch.
--
-- Each event's strength (pgrec.profile_event_strengths: feedback rules, else the type's
-- weight) goes to every tag of its item. A user and tag keep s as of t0 (their latest event);
-- events at t_i fold in as s' = s 2^-((T - t0) / h) + sum_i strength_i 2^-((T - t_i) / h) with T
-- the latest of t0 and the t_i and h the half-life (pgrec.profile_settings): what adding them
-- one at a time in any order gives, so the rebuild from all events (rec._refresh_profiles)
-- agrees. Each user whose events these are gets a new version whose history row says how many
-- events and how the ten tags that moved most moved (undecayed sums).
--
-- PL/pgSQL in steps: the events are read first (on Citus from their users' shards), then the
-- interests and versions are written from those values.
CREATE FUNCTION rec._profile_apply_events(p_event_ids bigint[], p_user_ids bigint[]) RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_half_life double precision;
    v_users     bigint[];
    v_items     bigint[];
    v_strengths double precision[];
    v_at        timestamptz[];
    v_changed   bigint[];
    v_changes   jsonb[];
    v_counts    bigint[];
    v_positive  bigint[];
    v_negative  bigint[];
BEGIN
    SELECT s.half_life_days * 1.0 INTO v_half_life FROM pgrec.profile_settings AS s;
    -- By user as well: events are keyed (and partitioned, and on Citus distributed) by user
    -- and time, so the user ids find the events through the primary key.
    SELECT array_agg(s.user_id), array_agg(s.item_id), array_agg(s.strength), array_agg(s.occurred_at)
    INTO v_users, v_items, v_strengths, v_at
    FROM pgrec.profile_event_strengths AS s
    WHERE s.user_id = ANY (p_user_ids) AND s.id = ANY (p_event_ids);
    IF v_users IS NULL THEN
        RETURN 0;
    END IF;

    -- The half-life goes in as a constant: on Citus the ON CONFLICT clause runs on the
    -- workers, which get no parameters.
    EXECUTE format($sql$
    INSERT INTO pgrec.profile_interests AS p (user_id, tag_id, strength, as_of, events)
    SELECT b.user_id, b.tag_id,
           sum(b.strength * rec._decay(rec._age_days(b.occurred_at, b.latest) * ln(2) / %1$s)),
           b.latest, count(*)
    FROM (SELECT x.*, max(x.occurred_at) OVER (PARTITION BY x.user_id, x.tag_id) AS latest
          FROM (SELECT ev.user_id, t.tag_id, ev.strength, ev.occurred_at
                FROM unnest($1, $2, $3, $4) AS ev(user_id, item_id, strength, occurred_at)
                JOIN pgrec.items AS i ON i.id = ev.item_id
                CROSS JOIN LATERAL unnest(i.tag_ids) AS t(tag_id)
                WHERE ev.strength <> 0) AS x) AS b
    GROUP BY b.user_id, b.tag_id, b.latest
    ORDER BY b.user_id, b.tag_id
    ON CONFLICT (user_id, tag_id) DO UPDATE SET
        strength = CASE WHEN excluded.as_of >= p.as_of
                        THEN p.strength * rec._decay(rec._age_days(p.as_of, excluded.as_of) * ln(2) / %1$s)
                             + excluded.strength
                        ELSE p.strength
                             + excluded.strength * rec._decay(rec._age_days(excluded.as_of, p.as_of) * ln(2) / %1$s)
                   END,
        as_of = greatest(p.as_of, excluded.as_of),
        events = p.events + excluded.events
    $sql$, format('%L::double precision', v_half_life))
    USING v_users, v_items, v_strengths, v_at;

    SELECT array_agg(u.user_id ORDER BY u.user_id),
           array_agg(jsonb_build_object('events', u.n)
                     || CASE WHEN u.moved IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('interests', u.moved) END
                     ORDER BY u.user_id),
           array_agg(u.n ORDER BY u.user_id), array_agg(u.pos ORDER BY u.user_id), array_agg(u.neg ORDER BY u.user_id)
    INTO v_changed, v_changes, v_counts, v_positive, v_negative
    FROM (SELECT ev.user_id, count(*) AS n, count(*) FILTER (WHERE ev.strength > 0) AS pos,
                 count(*) FILTER (WHERE ev.strength < 0) AS neg,
                 (SELECT jsonb_object_agg(t.name, round(m.delta::numeric, 3))
                  FROM (SELECT tg.tag_id, sum(x.strength) AS delta
                        FROM unnest(v_users, v_items, v_strengths) AS x(user_id, item_id, strength)
                        JOIN pgrec.items AS i ON i.id = x.item_id
                        CROSS JOIN LATERAL unnest(i.tag_ids) AS tg(tag_id)
                        WHERE x.user_id = ev.user_id AND x.strength <> 0
                        GROUP BY tg.tag_id
                        ORDER BY abs(sum(x.strength)) DESC, tg.tag_id LIMIT 10) AS m
                  JOIN pgrec.tags AS t ON t.id = m.tag_id) AS moved
          FROM unnest(v_users, v_strengths) AS ev(user_id, strength)
          GROUP BY ev.user_id) AS u;
    RETURN rec._profile_versions(v_changed, 'events', v_changes, v_counts, v_positive, v_negative);
END;
$$;
COMMENT ON FUNCTION rec._profile_apply_events(bigint[], bigint[]) IS
'Internal: fold new events into behaviour interests (decayed by the profile half-life), counts, versions and history of their users.';
