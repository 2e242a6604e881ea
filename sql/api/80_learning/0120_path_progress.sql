-- A learner's progress through a learning path, and what to do next:
--   SELECT jsonb_pretty(rec.path_progress('learner7', 'path-python'));
-- {path_id, title, user_id,
--  modules: [{position, item_id, title, level, status, score, completed_at, lessons_done,
--             lessons_total, minutes_left, prerequisites, missing_prerequisites}],
--  completed, total, progress (completed / total), next: {module, lessons, reason} or null when
--  the path is done, pace: {name, lessons_per_session, minutes_per_day, declared},
--  minutes_left, days_left, recommended_difficulty}.
--
-- Progress comes from `complete` events (value: the score, 0..100). A module's lessons are the
-- items whose attributes.module names it, in attributes.sequence order. A module is
--   completed    it has a complete event, or every one of its lessons has
--   in_progress  some of its lessons are completed
--   ready        every prerequisite is completed (the step's own and the item's
--                attributes.prerequisites)
--   locked       otherwise
-- Its score is its own complete event's, else the mean of its lessons'. The next module is the
-- first one in progress, else the first ready one, in path order: a learner finishes what they
-- started before the path moves on. The next lessons are its first lessons not completed whose
-- prerequisites are met, as many as the learner's pace proposes per session
-- (pgrec.learning_paces by users.attributes.pace, else the default pace); when the module has
-- fewer left, the next ready modules' first lessons follow. A module without lessons is its
-- own lesson. days_left = minutes left / the pace's minutes per day, rounded up.
-- Unknown path: P0002. A learner pgrec does not know has completed nothing yet.
CREATE FUNCTION rec.path_progress(user_id text, path_id text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_now      constant timestamptz := rec.now();
    v_path     pgrec.learning_paths;
    v_user     pgrec.users;
    v_pace     pgrec.learning_paces;
    v_declared boolean;
    v_modules  jsonb;
    v_next     jsonb;
    v_left     double precision;
BEGIN
    PERFORM rec._check_id('user_id', path_progress.user_id);
    PERFORM rec._check_id('path_id', path_progress.path_id);
    SELECT * INTO v_path FROM pgrec.learning_paths AS p WHERE p.external_id = path_progress.path_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown learning path "%"', path_progress.path_id USING ERRCODE = 'P0002',
            HINT = 'Create paths with rec.upsert_paths; rec.paths() lists them.';
    END IF;
    -- Two steps, each a single-shard query on Citus (user_keys, then users by id).
    v_user.id := rec._user_id(path_progress.user_id);
    SELECT * INTO v_user FROM pgrec.users AS u WHERE u.id = v_user.id;
    SELECT * INTO v_pace FROM pgrec.learning_paces AS p WHERE p.pace = v_user.attributes ->> 'pace';
    v_declared := FOUND;
    IF NOT v_declared THEN
        SELECT * INTO v_pace FROM pgrec.learning_paces AS p ORDER BY p.is_default DESC, p.lessons_per_session, p.pace LIMIT 1;
    END IF;

    WITH done AS MATERIALIZED (
        -- Each item the learner completed: when first, and the latest score.
        SELECT e.item_id, min(e.occurred_at) AS at,
               (array_agg(e.value ORDER BY e.occurred_at DESC) FILTER (WHERE e.value IS NOT NULL))[1] AS score
        FROM pgrec.events AS e
        WHERE e.user_id = v_user.id AND e.type = 'complete' AND e.occurred_at <= v_now
        GROUP BY e.item_id
    ),
    steps AS MATERIALIZED (
        SELECT m.position, m.item_id, i.external_id, i.title, i.attributes,
               ARRAY(SELECT DISTINCT x FROM unnest(m.prerequisites || ARRAY(
                   SELECT q.id FROM jsonb_array_elements_text(
                       CASE WHEN jsonb_typeof(i.attributes -> 'prerequisites') = 'array'
                            THEN i.attributes -> 'prerequisites' ELSE '[]' END) AS p(ext)
                   JOIN pgrec.items AS q ON q.external_id = p.ext)) AS x) AS needs
        FROM pgrec.path_modules AS m
        JOIN pgrec.items AS i ON i.id = m.item_id
        WHERE m.path_id = v_path.id
    ),
    lessons AS MATERIALIZED (
        SELECT s.item_id AS module_id, l.id, l.external_id,
               CASE WHEN jsonb_typeof(l.attributes -> 'duration_minutes') = 'number'
                    THEN (l.attributes ->> 'duration_minutes')::double precision ELSE 0 END AS minutes,
               ARRAY(SELECT q.id FROM jsonb_array_elements_text(
                         CASE WHEN jsonb_typeof(l.attributes -> 'prerequisites') = 'array'
                              THEN l.attributes -> 'prerequisites' ELSE '[]' END) AS p(ext)
                     JOIN pgrec.items AS q ON q.external_id = p.ext) AS needs,
               row_number() OVER (PARTITION BY s.item_id
                                  ORDER BY CASE WHEN jsonb_typeof(l.attributes -> 'sequence') = 'number'
                                                THEN (l.attributes ->> 'sequence')::double precision END NULLS LAST,
                                           l.created_at, l.external_id) AS seq,
               d.item_id IS NOT NULL AS completed, d.score
        FROM steps AS s
        JOIN pgrec.items AS l ON (l.attributes ->> 'module') = s.external_id AND l.attributes ? 'module'
        LEFT JOIN done AS d ON d.item_id = l.id
        WHERE pgrec.is_live(l.status, l.created_at, l.expires_at, v_now) OR d.item_id IS NOT NULL
    ),
    per_step AS MATERIALIZED (
        SELECT s.*, d.at AS own_at, d.score AS own_score,
               (SELECT count(*) FROM lessons AS l WHERE l.module_id = s.item_id) AS total,
               (SELECT count(*) FROM lessons AS l WHERE l.module_id = s.item_id AND l.completed) AS done,
               (SELECT avg(l.score) FROM lessons AS l WHERE l.module_id = s.item_id AND l.completed) AS lesson_score,
               (SELECT max(dd.at) FROM lessons AS l JOIN done AS dd ON dd.item_id = l.id WHERE l.module_id = s.item_id)
                   AS lessons_at,
               (SELECT coalesce(sum(l.minutes), 0) FROM lessons AS l WHERE l.module_id = s.item_id AND NOT l.completed)
                   AS lesson_minutes_left
        FROM steps AS s
        LEFT JOIN done AS d ON d.item_id = s.item_id
    ),
    finished AS MATERIALIZED (
        SELECT p.item_id FROM per_step AS p WHERE p.own_at IS NOT NULL OR (p.total > 0 AND p.done = p.total)
        UNION
        SELECT d.item_id FROM done AS d
    ),
    status AS MATERIALIZED (
        SELECT p.*,
               CASE WHEN p.item_id IN (SELECT f.item_id FROM finished AS f) THEN 'completed'
                    WHEN NOT p.needs <@ ARRAY(SELECT f.item_id FROM finished AS f) THEN 'locked'
                    WHEN p.done > 0 THEN 'in_progress'
                    ELSE 'ready' END AS status,
               ARRAY(SELECT q.external_id FROM unnest(p.needs) AS n(id) JOIN pgrec.items AS q ON q.id = n.id
                     ORDER BY q.external_id) AS prerequisites,
               ARRAY(SELECT q.external_id FROM unnest(p.needs) AS n(id) JOIN pgrec.items AS q ON q.id = n.id
                     WHERE n.id NOT IN (SELECT f.item_id FROM finished AS f) ORDER BY q.external_id) AS missing,
               CASE WHEN p.item_id IN (SELECT f.item_id FROM finished AS f) THEN 0
                    WHEN p.total > 0 THEN p.lesson_minutes_left
                    WHEN jsonb_typeof(p.attributes -> 'duration_minutes') = 'number'
                    THEN (p.attributes ->> 'duration_minutes')::double precision ELSE 0 END AS minutes_left
        FROM per_step AS p
    ),
    chosen AS (
        -- The module to work on, then the ready ones after it: where the next lessons come from.
        SELECT s.*, row_number() OVER (ORDER BY s.status <> 'in_progress', s.position) AS pick
        FROM status AS s
        WHERE s.status IN ('in_progress', 'ready')
    ),
    proposed AS (
        SELECT c.pick, c.external_id AS module, x.external_id AS lesson, x.ord
        FROM chosen AS c
        CROSS JOIN LATERAL (
            SELECT l.external_id, l.seq AS ord
            FROM lessons AS l
            WHERE l.module_id = c.item_id AND NOT l.completed
              AND l.needs <@ (ARRAY(SELECT f.item_id FROM finished AS f)
                              || ARRAY(SELECT o.id FROM lessons AS o WHERE o.module_id = c.item_id AND o.seq < l.seq))
            UNION ALL
            SELECT c.external_id, 1 WHERE c.total = 0
        ) AS x
        ORDER BY c.pick, x.ord
        LIMIT v_pace.lessons_per_session
    )
    SELECT coalesce((SELECT jsonb_agg(jsonb_build_object(
               'position', s.position, 'item_id', s.external_id, 'title', s.title,
               'level', s.attributes -> 'level', 'status', s.status,
               'score', coalesce(s.own_score, round(s.lesson_score::numeric, 1)::real),
               'completed_at', CASE WHEN s.status = 'completed' THEN coalesce(s.own_at, s.lessons_at) END,
               'lessons_done', s.done, 'lessons_total', s.total, 'minutes_left', round(s.minutes_left::numeric),
               'prerequisites', to_jsonb(s.prerequisites), 'missing_prerequisites', to_jsonb(s.missing))
               ORDER BY s.position) FROM status AS s), '[]'),
           (SELECT jsonb_build_object(
                       'module', (SELECT c.external_id FROM chosen AS c WHERE c.pick = 1),
                       'lessons', coalesce(jsonb_agg(p.lesson ORDER BY p.pick, p.ord), '[]'),
                       'reason', (SELECT CASE WHEN c.status = 'in_progress' THEN 'continue the module in progress'
                                              ELSE 'the first module whose prerequisites are done' END
                                  FROM chosen AS c WHERE c.pick = 1))
            FROM proposed AS p
            HAVING EXISTS (SELECT FROM chosen)),
           (SELECT sum(s.minutes_left) FROM status AS s)
    INTO v_modules, v_next, v_left;

    RETURN jsonb_build_object(
        'path_id', v_path.external_id,
        'title', v_path.title,
        'user_id', path_progress.user_id,
        'modules', v_modules,
        'completed', (SELECT count(*) FROM jsonb_array_elements(v_modules) AS m WHERE m ->> 'status' = 'completed'),
        'total', jsonb_array_length(v_modules),
        'progress', round(((SELECT count(*) FROM jsonb_array_elements(v_modules) AS m WHERE m ->> 'status' = 'completed')::numeric
                           / greatest(jsonb_array_length(v_modules), 1)), 4),
        'next', v_next,
        'pace', jsonb_build_object('name', v_pace.pace, 'lessons_per_session', v_pace.lessons_per_session,
                                   'minutes_per_day', v_pace.minutes_per_day, 'declared', v_declared),
        'minutes_left', round(coalesce(v_left, 0)::numeric),
        'days_left', ceil(coalesce(v_left, 0) / v_pace.minutes_per_day)::integer,
        'recommended_difficulty', round(rec._difficulty_target(v_user.id, v_now)::numeric, 2));
END;
$$;
COMMENT ON FUNCTION rec.path_progress(text, text) IS
'A learner''s progress through a learning path: per module status (completed, in_progress, ready, locked), score, lessons done; the next module and lessons (prerequisites and the learner''s pace); minutes and days left. P0002 for an unknown path.';
