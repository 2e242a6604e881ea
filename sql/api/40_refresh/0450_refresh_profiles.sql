-- Refresh step "profiles": keep profiles true to their rules.
--   * Profile versions older than profile_settings.history_days are deleted.
--   * When the feedback rules, the profile settings or the event types changed since the last
--     run (a fingerprint of those rows in pgrec.meta, key profile_rules), or on the first run,
--     every user's behaviour interests and counts are recomputed from all their events with
--     the same formula rec.track applies one call at a time (rec._profile_apply_events). Users
--     whose interests or counts come out different get a version with cause "rules", and the
--     rebuild is one entry in the audit log. Nothing changed: nothing is rewritten.
-- rec.track keeps profiles current between runs, so on most days this only prunes. A rebuild
-- reads every event: it takes a lock that makes rec.track wait until the step commits, so that
-- no event is counted twice or missed (run it off-peak after editing rules on a big table).
CREATE FUNCTION rec._refresh_profiles()
RETURNS bigint
-- work_mem: one sort of every event's tags by user and tag; memory instead of spilling to disk.
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp SET work_mem = '256MB'
AS $$
DECLARE
    v_now       constant timestamptz := rec.now();
    v_settings  pgrec.profile_settings;
    v_pruned    bigint;
    v_print     text;
    v_changed   bigint[];
BEGIN
    SELECT * INTO v_settings FROM pgrec.profile_settings LIMIT 1;
    DELETE FROM pgrec.profile_history AS h WHERE h.changed_at < v_now - make_interval(days => v_settings.history_days);
    GET DIAGNOSTICS v_pruned = ROW_COUNT;

    v_print := md5(concat_ws('|',
        (SELECT string_agg(r::text, ';' ORDER BY r.name) FROM pgrec.feedback_rules AS r),
        v_settings::text,
        (SELECT string_agg(t::text, ';' ORDER BY t.type) FROM pgrec.event_types AS t)));
    IF v_print = (SELECT m.value FROM pgrec.meta AS m WHERE m.key = 'profile_rules') THEN
        RETURN v_pruned;
    END IF;

    -- From here on the events read are all the events: rec.track waits for this transaction.
    LOCK TABLE pgrec.profiles, pgrec.profile_interests IN SHARE ROW EXCLUSIVE MODE;
    DROP TABLE IF EXISTS pg_temp.rebuilt_interests, pg_temp.rebuilt_counts;

    CREATE TEMP TABLE rebuilt_interests ON COMMIT DROP AS
    SELECT b.user_id, b.tag_id,
           sum(b.strength * rec._decay(rec._age_days(b.occurred_at, b.latest) * ln(2) / v_settings.half_life_days)) AS strength,
           b.latest AS as_of, count(*)::integer AS events
    FROM (SELECT s.user_id, t.tag_id, s.strength, s.occurred_at,
                 max(s.occurred_at) OVER (PARTITION BY s.user_id, t.tag_id) AS latest
          FROM pgrec.profile_event_strengths AS s
          JOIN pgrec.items AS i ON i.id = s.item_id
          CROSS JOIN LATERAL unnest(i.tag_ids) AS t(tag_id)
          WHERE s.strength <> 0) AS b
    GROUP BY b.user_id, b.tag_id, b.latest;

    CREATE TEMP TABLE rebuilt_counts ON COMMIT DROP AS
    SELECT s.user_id, count(*) AS events, count(*) FILTER (WHERE s.strength > 0) AS positive_events,
           count(*) FILTER (WHERE s.strength < 0) AS negative_events
    FROM pgrec.profile_event_strengths AS s
    GROUP BY s.user_id;

    -- Float sums in another order differ in the last bits: a relative tolerance.
    SELECT coalesce(array_agg(DISTINCT x.user_id ORDER BY x.user_id), '{}') INTO v_changed
    FROM (SELECT coalesce(n.user_id, o.user_id) AS user_id
          FROM pg_temp.rebuilt_interests AS n
          FULL JOIN pgrec.profile_interests AS o ON o.user_id = n.user_id AND o.tag_id = n.tag_id
          WHERE n.user_id IS NULL OR o.user_id IS NULL OR n.events <> o.events OR n.as_of <> o.as_of
             OR abs(n.strength - o.strength) > 1e-6 * (1 + abs(n.strength))
          UNION ALL
          SELECT c.user_id
          FROM pg_temp.rebuilt_counts AS c
          LEFT JOIN pgrec.profiles AS p ON p.user_id = c.user_id
          WHERE (p.events, p.positive_events, p.negative_events)
                IS DISTINCT FROM (c.events, c.positive_events, c.negative_events)) AS x;

    IF cardinality(v_changed) > 0 THEN
        DELETE FROM pgrec.profile_interests AS p WHERE p.user_id = ANY (v_changed);
        INSERT INTO pgrec.profile_interests (user_id, tag_id, strength, as_of, events)
        SELECT n.user_id, n.tag_id, n.strength, n.as_of, n.events FROM pg_temp.rebuilt_interests AS n
        WHERE n.user_id = ANY (v_changed)
        ORDER BY n.user_id, n.tag_id;
        PERFORM rec._profile_versions(v_changed, 'rules',
                                      array_fill('{"rebuilt": true}'::jsonb, ARRAY[cardinality(v_changed)]));
        UPDATE pgrec.profiles AS p
        SET events = coalesce(c.events, 0), positive_events = coalesce(c.positive_events, 0),
            negative_events = coalesce(c.negative_events, 0)
        FROM unnest(v_changed) AS u(user_id)
        LEFT JOIN pg_temp.rebuilt_counts AS c ON c.user_id = u.user_id
        WHERE p.user_id = u.user_id;
    END IF;

    INSERT INTO pgrec.audit_log (action, actor, details)
    VALUES ('profile_rules', rec._actor(), jsonb_build_object('users_changed', cardinality(v_changed), 'fingerprint', v_print));
    INSERT INTO pgrec.meta (key, value) VALUES ('profile_rules', v_print)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
    RETURN v_pruned + cardinality(v_changed);
END;
$$;
COMMENT ON FUNCTION rec._refresh_profiles() IS
'Refresh step profiles: prune old profile versions; after a change of feedback rules, profile settings or event types, recompute every user''s behaviour interests and counts from events (versions with cause rules, one audit entry).';
