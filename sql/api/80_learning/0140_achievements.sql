-- Achievements computed from a user's events (definitions: pgrec.achievements), as of p_now:
--   completions  distinct items completed (attributes.type = item_type when set); unlocked at
--                the target-th item's first completion
--   streak_days  the longest run of consecutive active days (calendar days in the session's
--                TimeZone, as rec.user_stats counts them); unlocked at the first event of the
--                day the first run reached target
--   mastery      per tag of kind tag_kind, distinct items carrying it completed with a score of
--                at least min_score (item_type when set); progress is the best tag's count,
--                unlocked when a tag first reached target (details.tag names it)
--   events       events of event_type; unlocked at the target-th
-- Nothing is stored until a user claims one (rec.claim_achievement).
-- PL/pgSQL, not SQL: Citus cannot plan the parameterized queries of a SQL function over
-- distributed or reference tables (0A000), and PL/pgSQL plans them with the values.
CREATE FUNCTION rec._achievements(p_user_id bigint, p_now timestamptz)
RETURNS TABLE (achievement text, "position" integer, title text, description text, kind text, target integer,
               progress bigint, unlocked_at timestamptz, details jsonb)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH mine AS MATERIALIZED (
        SELECT e.item_id, e.type, e.value, e.occurred_at
        FROM pgrec.events AS e
        WHERE e.user_id = p_user_id AND e.occurred_at <= p_now
    ),
    completed AS MATERIALIZED (
        SELECT m.item_id, min(m.occurred_at) AS first_at, i.attributes ->> 'type' AS item_type, i.tag_ids,
               -- when the item was first completed with each score reached: mastery needs the time
               -- of the first completion at or above the bar
               array_agg(m.value ORDER BY m.occurred_at) AS scores, array_agg(m.occurred_at ORDER BY m.occurred_at) AS times
        FROM mine AS m
        JOIN pgrec.items AS i ON i.id = m.item_id
        WHERE m.type = 'complete'
        GROUP BY m.item_id, i.attributes ->> 'type', i.tag_ids
    ),
    days AS MATERIALIZED (
        SELECT m.occurred_at::date AS day, min(m.occurred_at) AS first_at FROM mine AS m GROUP BY 1
    ),
    islands AS MATERIALIZED (
        SELECT d.day, d.first_at, d.day - (row_number() OVER (ORDER BY d.day))::integer AS island FROM days AS d
    ),
    runs AS MATERIALIZED (
        SELECT i.island, count(*) AS length, array_agg(i.first_at ORDER BY i.day) AS firsts, min(i.day) AS first_day
        FROM islands AS i GROUP BY i.island
    )
    SELECT a.name, a.position, a.title, a.description, a.kind, a.target, p.progress,
           CASE WHEN p.progress >= a.target THEN p.unlocked_at END, coalesce(p.details, '{}')
    FROM pgrec.achievements AS a
    CROSS JOIN LATERAL (
        SELECT count(*) AS progress, (array_agg(c.first_at ORDER BY c.first_at))[a.target] AS unlocked_at,
               NULL::jsonb AS details
        FROM completed AS c
        WHERE a.kind = 'completions' AND (a.item_type IS NULL OR c.item_type = a.item_type)
        HAVING a.kind = 'completions'
        UNION ALL
        SELECT coalesce(max(r.length), 0),
               (SELECT r2.firsts[a.target] FROM runs AS r2 WHERE r2.length >= a.target ORDER BY r2.first_day LIMIT 1),
               NULL
        FROM runs AS r
        WHERE a.kind = 'streak_days'
        HAVING a.kind = 'streak_days'
        UNION ALL
        SELECT coalesce(max(t.n), 0), min(t.reached), (array_agg(jsonb_build_object('tag', t.tag) ORDER BY t.n DESC, t.tag))[1]
        FROM (SELECT tg.name AS tag, count(*) AS n,
                     (array_agg(x.at ORDER BY x.at))[a.target] AS reached
              FROM (SELECT c.item_id, c.tag_ids,
                           (SELECT min(u.t) FROM unnest(c.scores, c.times) AS u(s, t) WHERE u.s >= a.min_score) AS at
                    FROM completed AS c
                    WHERE a.item_type IS NULL OR c.item_type = a.item_type) AS x
              CROSS JOIN LATERAL unnest(x.tag_ids) AS xt(tag_id)
              JOIN pgrec.tags AS tg ON tg.id = xt.tag_id AND tg.kind = a.tag_kind
              WHERE x.at IS NOT NULL
              GROUP BY tg.name) AS t
        WHERE a.kind = 'mastery'
        HAVING a.kind = 'mastery'
        UNION ALL
        SELECT count(*), (array_agg(m.occurred_at ORDER BY m.occurred_at))[a.target], NULL
        FROM mine AS m
        WHERE a.kind = 'events' AND m.type = a.event_type
        HAVING a.kind = 'events'
    ) AS p
    WHERE a.active
    ORDER BY a.position, a.name;
END;
$$;
COMMENT ON FUNCTION rec._achievements(bigint, timestamptz) IS
'Internal: every active achievement''s progress and unlock time for a user, computed from their events.';

-- A user's achievements (pgrec.achievements), computed from their events when asked:
--   SELECT achievement, progress, target, unlocked_at, claimed_at FROM rec.achievements('learner7');
-- progress toward target (at most target), unlocked_at (NULL while locked), claimed_at (rec.claim_achievement)
-- and details (mastery: the tag). A user pgrec does not know has progress 0 everywhere.
CREATE FUNCTION rec.achievements(user_id text)
RETURNS TABLE (achievement text, title text, description text, kind text, target integer, progress bigint,
               unlocked boolean, unlocked_at timestamptz, claimed_at timestamptz, details jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_uid     bigint;
    v_claimed text[];
    v_at      timestamptz[];
BEGIN
    PERFORM rec._check_id('user_id', achievements.user_id);
    v_uid := rec._user_id(achievements.user_id);
    -- The claims read first (on Citus from the user's shard): a join of the computed
    -- achievements with them would run the computation on that shard.
    SELECT array_agg(c.achievement), array_agg(c.claimed_at) INTO v_claimed, v_at
    FROM pgrec.achievement_claims AS c WHERE c.user_id = v_uid;
    RETURN QUERY
    SELECT a.achievement, a.title, a.description, a.kind, a.target, least(a.progress, a.target),
           a.unlocked_at IS NOT NULL, a.unlocked_at, c.claimed_at, a.details
    FROM rec._achievements(v_uid, rec.now()) AS a
    LEFT JOIN unnest(v_claimed, v_at) AS c(achievement, claimed_at) ON c.achievement = a.achievement
    ORDER BY a.position, a.achievement;
END;
$$;
COMMENT ON FUNCTION rec.achievements(text) IS
'A user''s achievements: progress toward target, unlocked and when, claimed and when, details; computed from events.';

-- Claim an unlocked achievement: records when it was claimed (and unlocked), so a host app
-- gives its reward once. Claiming again returns the first claim (claimed false). A locked one
-- is 22023 with the progress; an unknown achievement P0002.
CREATE FUNCTION rec.claim_achievement(user_id text, achievement text) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_uid   bigint;
    v_state record;
    v_claim pgrec.achievement_claims;
BEGIN
    PERFORM rec._check_id('user_id', claim_achievement.user_id);
    PERFORM rec._check_id('achievement', claim_achievement.achievement);
    IF NOT EXISTS (SELECT FROM pgrec.achievements AS a WHERE a.name = claim_achievement.achievement AND a.active) THEN
        RAISE EXCEPTION 'unknown achievement "%"', claim_achievement.achievement USING ERRCODE = 'P0002',
            HINT = 'rec.achievements(user) lists them.';
    END IF;
    v_uid := rec._user_id(claim_achievement.user_id);
    PERFORM FROM pgrec.users AS u WHERE u.id = v_uid FOR UPDATE;
    SELECT * INTO v_claim FROM pgrec.achievement_claims AS c
    WHERE c.user_id = v_uid AND c.achievement = claim_achievement.achievement;
    IF FOUND THEN
        RETURN jsonb_build_object('user_id', claim_achievement.user_id, 'achievement', v_claim.achievement,
                                  'unlocked_at', v_claim.unlocked_at, 'claimed_at', v_claim.claimed_at, 'claimed', false);
    END IF;
    SELECT * INTO v_state FROM rec._achievements(v_uid, rec.now()) AS a WHERE a.achievement = claim_achievement.achievement;
    IF v_uid IS NULL OR v_state.unlocked_at IS NULL THEN
        RAISE EXCEPTION 'achievement "%" is not unlocked yet (% of %)', claim_achievement.achievement,
                        coalesce(v_state.progress, 0), v_state.target
            USING ERRCODE = '22023', HINT = 'Claim it once rec.achievements says unlocked.';
    END IF;
    INSERT INTO pgrec.achievement_claims (user_id, achievement, unlocked_at, claimed_at)
    VALUES (v_uid, claim_achievement.achievement, v_state.unlocked_at, rec.now())
    RETURNING * INTO v_claim;
    RETURN jsonb_build_object('user_id', claim_achievement.user_id, 'achievement', v_claim.achievement,
                              'unlocked_at', v_claim.unlocked_at, 'claimed_at', v_claim.claimed_at, 'claimed', true);
END;
$$;
COMMENT ON FUNCTION rec.claim_achievement(text, text) IS
'Claim an unlocked achievement for a user (records unlocked_at and claimed_at; again: the first claim, claimed false). Locked: 22023; unknown achievement: P0002.';
