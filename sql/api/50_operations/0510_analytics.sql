-- Aggregate analytics over the last period (1d, 7d, 30d or 90d up to rec.now()), beside the
-- period before it:
--   SELECT * FROM rec.analytics('7d');                    -- every metric
--   SELECT * FROM rec.analytics('30d', 'recommendations');
-- One row per (metric, measure) with value, previous (the period before) and change
-- ((value - previous) / previous, NULL when previous is 0):
--   users            active (with an event), new (created), returning (active, created before
--                    the period), total (created by its end)
--   engagement       events, positive_events (effective polarity > 0), events_per_active_user,
--                    active_days_per_user, and type:<event type> per type
--   recommendations  impressions (pgrec.impressions: what the feed endpoint and applications
--                    logged), users_shown, items_shown, clicks, ctr, conversions,
--                    conversion_rate — a click is a positive event of the user on the item
--                    within 24 hours of an impression, credited to the latest impression
--                    before it, and a conversion one other than a bare click, as
--                    rec.experiment_report counts them
--   paths            paths, learners_started (a completion on a path's module or one of its
--                    lessons in the period), learners_completed (every module of a path done,
--                    the last in the period), completion_rate (completed / started),
--                    modules_completed; a module is done by its complete event or when all of
--                    its lessons (attributes.module) are
-- Users who withdrew consent to analytics (pgrec.consents; without an answer, the purpose's
-- default) are left out of every figure. Granted to pgrec_admin.
--
-- The body is rec._analytics: a PL/pgSQL function cannot have a parameter named like one of
-- its output columns (metric), so the public function is a one-line SQL wrapper.
CREATE FUNCTION rec._analytics(period text, p_metric text)
RETURNS TABLE (metric text, measure text, value double precision, previous double precision, change double precision)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_now     constant timestamptz := rec.now();
    v_metrics constant text[] := ARRAY['users', 'engagement', 'recommendations', 'paths'];
    v_span    interval;
    v_default boolean;
BEGIN
    IF period IS NULL THEN
        RAISE EXCEPTION 'period must not be null' USING ERRCODE = '22004', HINT = 'One of 1d, 7d, 30d, 90d.';
    END IF;
    v_span := CASE period WHEN '1d' THEN interval '1 day' WHEN '7d' THEN interval '7 days'
                          WHEN '30d' THEN interval '30 days' WHEN '90d' THEN interval '90 days' END;
    IF v_span IS NULL THEN
        RAISE EXCEPTION 'unknown period "%"', left(period, 100) USING ERRCODE = '22023', HINT = 'One of 1d, 7d, 30d, 90d.';
    END IF;
    IF p_metric IS NOT NULL AND p_metric <> ALL (v_metrics) THEN
        RAISE EXCEPTION 'unknown metric "%"', left(p_metric, 100) USING ERRCODE = '22023',
            HINT = 'One of users, engagement, recommendations, paths (or NULL for all).';
    END IF;
    v_default := coalesce((SELECT p.default_granted FROM pgrec.consent_purposes AS p WHERE p.purpose = 'analytics'), true);

    RETURN QUERY
    WITH windows AS (
        SELECT 'value' AS w, v_now - v_span AS lo, v_now AS hi
        UNION ALL
        SELECT 'previous', v_now - 2 * v_span, v_now - v_span
    ),
    counted_users AS MATERIALIZED (
        -- Who may be counted: consent to analytics, or its default without an answer.
        SELECT u.id, u.created_at FROM pgrec.users AS u
        WHERE coalesce((SELECT c.granted FROM pgrec.consents AS c WHERE c.user_id = u.id AND c.purpose = 'analytics'),
                       v_default)
    ),
    ev AS MATERIALIZED (
        SELECT w.w, e.user_id, e.item_id, e.type, e.polarity, e.occurred_at
        FROM windows AS w
        JOIN pgrec.weighted_events AS e ON e.occurred_at > w.lo AND e.occurred_at <= w.hi
        WHERE e.user_id IN (SELECT c.id FROM counted_users AS c)
          AND (p_metric IS NULL OR p_metric IN ('users', 'engagement', 'paths'))
    ),
    users_m AS (
        SELECT w.w, x.measure, x.value
        FROM windows AS w
        CROSS JOIN LATERAL (VALUES
            ('active', (SELECT count(DISTINCT ev.user_id) FROM ev WHERE ev.w = w.w)::double precision),
            ('new', (SELECT count(*) FROM counted_users AS c WHERE c.created_at > w.lo AND c.created_at <= w.hi)::double precision),
            ('returning', (SELECT count(DISTINCT ev.user_id) FROM ev JOIN counted_users AS c ON c.id = ev.user_id
                           WHERE ev.w = w.w AND c.created_at <= w.lo)::double precision),
            ('total', (SELECT count(*) FROM counted_users AS c WHERE c.created_at <= w.hi)::double precision)
        ) AS x(measure, value)
        WHERE p_metric IS NULL OR p_metric = 'users'
    ),
    engagement_m AS (
        SELECT w.w, x.measure, x.value
        FROM windows AS w
        CROSS JOIN LATERAL (
            SELECT 'events' AS measure, count(*)::double precision AS value FROM ev WHERE ev.w = w.w
            UNION ALL
            SELECT 'positive_events', count(*) FROM ev WHERE ev.w = w.w AND ev.polarity > 0
            UNION ALL
            SELECT 'events_per_active_user', count(*)::double precision / nullif(count(DISTINCT ev.user_id), 0)
            FROM ev WHERE ev.w = w.w
            UNION ALL
            SELECT 'active_days_per_user', count(DISTINCT (ev.user_id, ev.occurred_at::date))::double precision
                                           / nullif(count(DISTINCT ev.user_id), 0)
            FROM ev WHERE ev.w = w.w
            UNION ALL
            SELECT 'type:' || t.type, (SELECT count(*) FROM ev WHERE ev.w = w.w AND ev.type = t.type)
            FROM pgrec.event_types AS t
        ) AS x
        WHERE p_metric IS NULL OR p_metric = 'engagement'
    ),
    shown AS MATERIALIZED (
        SELECT w.w, s.id, s.user_id, s.item_id, s.served_at
        FROM windows AS w
        JOIN pgrec.impressions AS s ON s.served_at > w.lo AND s.served_at <= w.hi
        WHERE s.user_id IN (SELECT c.id FROM counted_users AS c)
          AND (p_metric IS NULL OR p_metric = 'recommendations')
    ),
    followed AS MATERIALIZED (
        SELECT s.id, bool_or(x.type <> 'click') AS converted
        FROM shown AS s
        JOIN rec._impression_events(v_now - 2 * v_span, v_now, interval '24 hours', v_now) AS x ON x.impression_id = s.id
        GROUP BY s.id
    ),
    recommendations_m AS (
        SELECT w.w, x.measure, x.value
        FROM windows AS w
        CROSS JOIN LATERAL (
            SELECT count(s.id)::double precision AS impressions, count(DISTINCT s.user_id)::double precision AS users,
                   count(DISTINCT s.item_id)::double precision AS items, count(f.id)::double precision AS clicks,
                   (count(f.id) FILTER (WHERE f.converted))::double precision AS conversions
            FROM shown AS s LEFT JOIN followed AS f ON f.id = s.id
            WHERE s.w = w.w) AS r
        CROSS JOIN LATERAL (VALUES
            ('impressions', r.impressions), ('users_shown', r.users), ('items_shown', r.items), ('clicks', r.clicks),
            ('ctr', r.clicks / nullif(r.impressions, 0)), ('conversions', r.conversions),
            ('conversion_rate', r.conversions / nullif(r.impressions, 0))
        ) AS x(measure, value)
        WHERE p_metric IS NULL OR p_metric = 'recommendations'
    ),
    path_items AS MATERIALIZED (
        -- Every path's modules, and which item completes which module (itself, or a lesson).
        SELECT m.path_id, m.item_id AS module_id, m.item_id
        FROM pgrec.path_modules AS m
        UNION ALL
        SELECT m.path_id, m.item_id, l.id
        FROM pgrec.path_modules AS m
        JOIN pgrec.items AS i ON i.id = m.item_id
        JOIN pgrec.items AS l ON (l.attributes ->> 'module') = i.external_id AND l.attributes ? 'module'
        WHERE p_metric IS NULL OR p_metric = 'paths'
    ),
    learners AS MATERIALIZED (
        SELECT DISTINCT ev.user_id FROM ev
        WHERE ev.type = 'complete' AND ev.item_id IN (SELECT p.item_id FROM path_items AS p)
    ),
    completions AS MATERIALIZED (
        SELECT e.user_id, e.item_id, min(e.occurred_at) AS at
        FROM pgrec.events AS e
        WHERE e.type = 'complete' AND e.occurred_at <= v_now
          AND e.user_id IN (SELECT l.user_id FROM learners AS l)
          AND e.item_id IN (SELECT p.item_id FROM path_items AS p)
        GROUP BY e.user_id, e.item_id
    ),
    module_sizes AS MATERIALIZED (
        SELECT p.path_id, p.module_id, count(*) FILTER (WHERE p.item_id <> p.module_id) AS lessons
        FROM path_items AS p GROUP BY p.path_id, p.module_id
    ),
    module_done AS MATERIALIZED (
        -- When each learner finished each module (up to now): its own completion, or the
        -- completion of its last lesson once all are done.
        SELECT x.user_id, x.path_id, x.module_id,
               CASE WHEN x.own_at IS NOT NULL THEN x.own_at
                    WHEN z.lessons > 0 AND x.done = z.lessons THEN x.last_at END AS done_at
        FROM (SELECT c.user_id, p.path_id, p.module_id,
                     min(c.at) FILTER (WHERE p.item_id = p.module_id) AS own_at,
                     count(*) FILTER (WHERE p.item_id <> p.module_id) AS done,
                     max(c.at) FILTER (WHERE p.item_id <> p.module_id) AS last_at
              FROM completions AS c
              JOIN path_items AS p ON p.item_id = c.item_id
              GROUP BY c.user_id, p.path_id, p.module_id) AS x
        JOIN module_sizes AS z ON z.path_id = x.path_id AND z.module_id = x.module_id
    ),
    path_done AS MATERIALIZED (
        SELECT m.user_id, m.path_id, max(m.done_at) AS done_at
        FROM module_done AS m
        WHERE m.done_at IS NOT NULL
        GROUP BY m.user_id, m.path_id
        HAVING count(*) = (SELECT count(*) FROM module_sizes AS z WHERE z.path_id = m.path_id)
    ),
    paths_m AS (
        SELECT w.w, x.measure, x.value
        FROM windows AS w
        CROSS JOIN LATERAL (SELECT count(DISTINCT ev.user_id)::double precision AS started FROM ev
                            WHERE ev.w = w.w AND ev.type = 'complete'
                              AND ev.item_id IN (SELECT p.item_id FROM path_items AS p)) AS s
        CROSS JOIN LATERAL (SELECT count(DISTINCT d.user_id)::double precision AS completed FROM path_done AS d
                            WHERE d.done_at > w.lo AND d.done_at <= w.hi) AS c
        CROSS JOIN LATERAL (VALUES
            ('paths', (SELECT count(*) FROM pgrec.learning_paths)::double precision),
            ('learners_started', s.started),
            ('learners_completed', c.completed),
            ('completion_rate', c.completed / nullif(s.started, 0)),
            ('modules_completed', (SELECT count(*) FROM module_done AS m
                                   WHERE m.done_at > w.lo AND m.done_at <= w.hi)::double precision)
        ) AS x(measure, value)
        WHERE p_metric IS NULL OR p_metric = 'paths'
    ),
    everything AS (
        SELECT 'users' AS metric, u.* FROM users_m AS u
        UNION ALL SELECT 'engagement', e.* FROM engagement_m AS e
        UNION ALL SELECT 'recommendations', r.* FROM recommendations_m AS r
        UNION ALL SELECT 'paths', p.* FROM paths_m AS p
    )
    SELECT x.metric, x.measure, cur.value, prev.value,
           CASE WHEN prev.value <> 0 THEN (cur.value - prev.value) / prev.value END
    FROM (SELECT DISTINCT e.metric, e.measure FROM everything AS e) AS x
    LEFT JOIN everything AS cur ON cur.metric = x.metric AND cur.measure = x.measure AND cur.w = 'value'
    LEFT JOIN everything AS prev ON prev.metric = x.metric AND prev.measure = x.measure AND prev.w = 'previous'
    ORDER BY array_position(v_metrics, x.metric), x.measure COLLATE "C";
END;
$$;
COMMENT ON FUNCTION rec._analytics(text, text) IS 'Internal: the body of rec.analytics.';

CREATE FUNCTION rec.analytics(period text DEFAULT '7d', metric text DEFAULT NULL)
RETURNS TABLE (metric text, measure text, value double precision, previous double precision, change double precision)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT * FROM rec._analytics($1, $2);
$$;
COMMENT ON FUNCTION rec.analytics(text, text) IS
'Analytics for the last 1d/7d/30d/90d beside the period before (metric, measure, value, previous, change): users, engagement, recommendations (impressions, clicks, CTR, conversions), paths (started, completed, completion rate). Users who withdrew analytics consent are left out.';
