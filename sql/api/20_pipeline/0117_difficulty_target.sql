-- Adaptive difficulty: the level a learner should be offered next, from how their recent work
-- went. The constants are the row of pgrec.difficulty_settings (seed values in brackets).
--
-- Each of the learner's latest `recent` [10] completions with a score (a `complete` event whose
-- value is the score, 0..100) of an item with a level (attributes.level), within window_days
-- [90] of now, suggests a level:
--     suggestion = level + score_gain x (score - target_score) / 100
--                        - time_gain  x (clamp(minutes / estimate, 0.5, 2) - 1)
-- with score_gain [2.5], target_score [70], time_gain [0.5]: a score of 70 in the estimated
-- time says the level was right; 100 says three quarters of a level higher; taking twice the
-- estimate (attributes.duration_minutes) half a level lower. minutes is the event's
-- context.minutes_spent, else the time since the learner's latest view of the item within the
-- 6 hours before (no time known: no time term). The target is the mean of the suggestions
-- weighted decay^k [0.8] for the k-th newest, within [min_level, max_level] [1, 5].
--
-- Without scored completions: half a level above the mean level of what the learner completed
-- or rated 4 or more (the rule rec.learning_path always had); without those, the level the
-- learner declared (users.attributes.level, a number); else none (NULL).
-- PL/pgSQL, not SQL: Citus cannot plan the parameterized queries of a SQL function over
-- distributed or reference tables (0A000), and PL/pgSQL plans them with the values.
CREATE FUNCTION rec._difficulty_basis(p_user_id bigint, p_now timestamptz)
RETURNS TABLE (item_id bigint, completed_at timestamptz, level double precision, score double precision,
               minutes double precision, estimate double precision, suggestion double precision,
               weight double precision)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH s AS MATERIALIZED (SELECT * FROM pgrec.difficulty_settings LIMIT 1),
    recent AS MATERIALIZED (
        SELECT e.id, e.item_id, e.occurred_at, least(greatest(e.value::double precision, 0), 100) AS score,
               e.context, (i.attributes ->> 'level')::double precision AS level,
               CASE WHEN jsonb_typeof(i.attributes -> 'duration_minutes') = 'number'
                         AND (i.attributes ->> 'duration_minutes')::double precision > 0
                    THEN (i.attributes ->> 'duration_minutes')::double precision END AS estimate
        FROM pgrec.events AS e
        JOIN pgrec.items AS i ON i.id = e.item_id
        CROSS JOIN s
        WHERE e.user_id = p_user_id AND e.type = 'complete' AND e.value IS NOT NULL
          AND e.occurred_at <= p_now AND e.occurred_at > p_now - make_interval(days => s.window_days)
          AND jsonb_typeof(i.attributes -> 'level') = 'number'
        ORDER BY e.occurred_at DESC, e.id DESC
        LIMIT (SELECT s.recent FROM s)
    ),
    timed AS (
        SELECT r.*,
               coalesce(CASE WHEN jsonb_typeof(r.context -> 'minutes_spent') = 'number'
                                  AND (r.context ->> 'minutes_spent')::double precision > 0
                             THEN (r.context ->> 'minutes_spent')::double precision END,
                        (SELECT extract(epoch FROM r.occurred_at - max(v.occurred_at)) / 60
                         FROM pgrec.events AS v
                         WHERE v.user_id = p_user_id AND v.item_id = r.item_id AND v.type = 'view'
                           AND v.occurred_at <= r.occurred_at AND v.occurred_at > r.occurred_at - interval '6 hours')
               ) AS minutes,
               row_number() OVER (ORDER BY r.occurred_at DESC, r.id DESC) - 1 AS k
        FROM recent AS r
    )
    SELECT t.item_id, t.occurred_at, t.level, t.score, t.minutes, t.estimate,
           t.level + s.score_gain * (t.score - s.target_score) / 100
               - CASE WHEN t.minutes > 0 AND t.estimate IS NOT NULL
                      THEN s.time_gain * (least(greatest(t.minutes / t.estimate, 0.5), 2) - 1) ELSE 0 END,
           power(s.decay, t.k)
    FROM timed AS t CROSS JOIN s
    ORDER BY t.k;
END;
$$;
COMMENT ON FUNCTION rec._difficulty_basis(bigint, timestamptz) IS
'Internal: the scored completions adaptive difficulty reads, each with its time spent, suggested level and weight.';

CREATE FUNCTION rec._difficulty_target(p_user_id bigint, p_now timestamptz) RETURNS double precision
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_s      pgrec.difficulty_settings;
    v_target double precision;
BEGIN
    IF p_user_id IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT * INTO v_s FROM pgrec.difficulty_settings LIMIT 1;
    SELECT sum(b.suggestion * b.weight) / nullif(sum(b.weight), 0) INTO v_target
    FROM rec._difficulty_basis(p_user_id, p_now) AS b;
    IF v_target IS NULL THEN
        SELECT avg((i.attributes ->> 'level')::double precision) + 0.5 INTO v_target
        FROM (SELECT DISTINCT e.item_id FROM pgrec.events AS e
              WHERE e.user_id = p_user_id AND e.occurred_at <= p_now
                AND (e.type = 'complete' OR (e.type = 'rate' AND e.value >= 4))) AS m
        JOIN pgrec.items AS i ON i.id = m.item_id
        WHERE jsonb_typeof(i.attributes -> 'level') = 'number';
    END IF;
    IF v_target IS NULL THEN
        SELECT (u.attributes ->> 'level')::double precision INTO v_target
        FROM pgrec.users AS u WHERE u.id = p_user_id AND jsonb_typeof(u.attributes -> 'level') = 'number';
    END IF;
    -- greatest/least skip NULLs, so "none" must not reach them.
    RETURN CASE WHEN v_target IS NOT NULL THEN least(greatest(v_target, v_s.min_level), v_s.max_level) END;
END;
$$;
COMMENT ON FUNCTION rec._difficulty_target(bigint, timestamptz) IS
'Internal: the learner''s recommended difficulty (weighted recent score-and-time suggestions, else level history, else declared level; NULL without any).';
