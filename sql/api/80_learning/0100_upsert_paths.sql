-- Create or update learning paths from a JSON array:
--   SELECT rec.upsert_paths('[{"id": "path-sql", "title": "SQL from zero",
--                              "modules": ["module1", "module2", {"id": "module3", "prerequisites": ["lesson9"]}]}]');
-- Each path: id (required), title, description, attributes (object), modules: the path's
-- modules in order (1..200), each an item id or {"id", "prerequisites": [item ids]} for what
-- the step needs beyond the item's own attributes.prerequisites. Keys left out keep their
-- stored values; modules, when given, replace the stored ones; a new path needs modules.
-- Validated whole, naming the element (paths[0].modules[2]): unknown items are P0002, a module
-- twice in a path or a prerequisite of a module that comes later in the same path 22023 (such
-- a path could never be followed in order). At most 1,000 paths. Returns paths written.
CREATE FUNCTION rec.upsert_paths(paths jsonb)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_allowed constant text[] := ARRAY['id', 'title', 'description', 'attributes', 'modules'];
    v_hint    constant text := 'A path is {"id": text, "title"?, "description"?, "attributes"?: {}, "modules": '
                               '["item id" | {"id": "item id", "prerequisites": ["item id", ...]}, ...]}.';
    v_now     constant timestamptz := rec.now();
    v_bad     record;
    v_rows    integer;
BEGIN
    PERFORM rec._check_batch('paths', paths, 1000);

    SELECT t.ord - 1 AS idx, t.e ->> 'id' AS id, c.code, c.problem INTO v_bad
    FROM (SELECT x.e, x.ord, count(*) OVER (PARTITION BY x.e -> 'id') AS copies
          FROM jsonb_array_elements(paths) WITH ORDINALITY AS x(e, ord)) AS t
    CROSS JOIN LATERAL (SELECT * FROM rec._keyed_object_problems(t.e, 'id', v_allowed, t.copies)
                        UNION ALL VALUES
        (5, '22023', CASE WHEN jsonb_typeof(t.e) = 'object' THEN coalesce(
            'title '       || rec._json_problem(t.e -> 'title', 'title'),
            'description ' || rec._json_problem(t.e -> 'description', 'description'),
            'attributes '  || rec._json_problem(t.e -> 'attributes', 'object'),
            CASE WHEN t.e ? 'modules' AND (jsonb_typeof(t.e -> 'modules') <> 'array'
                                           OR jsonb_array_length(t.e -> 'modules') NOT BETWEEN 1 AND 200)
                 THEN 'modules must be an array of 1 to 200 modules' END) END),
        (6, '22004', CASE WHEN jsonb_typeof(t.e) = 'object' AND NOT t.e ? 'modules'
                               AND NOT EXISTS (SELECT FROM pgrec.learning_paths AS p WHERE p.external_id = t.e ->> 'id')
                          THEN 'modules is required for a new path' END)
    ) AS c(n, code, problem)
    WHERE c.problem IS NOT NULL
    ORDER BY t.ord, c.n
    LIMIT 1;
    IF FOUND THEN
        PERFORM rec._raise_batch_problem('paths', v_bad.idx, v_bad.id, v_bad.code, v_bad.problem, v_hint);
    END IF;

    -- The modules, one row each: path index, position, item id, extra prerequisites. A fresh
    -- table of our own: a table of that name the caller made is dropped, never reused (its
    -- triggers would run as this function's owner), or the call fails if we may not drop it.
    DROP TABLE IF EXISTS pg_temp.path_steps;
    CREATE TEMP TABLE path_steps (
        path_idx bigint, path_id text, pos bigint, step jsonb, item text, prerequisites jsonb
    ) ON COMMIT DROP;
    INSERT INTO pg_temp.path_steps
    SELECT t.ord - 1, t.e ->> 'id', m.ord, m.step,
           CASE jsonb_typeof(m.step) WHEN 'string' THEN m.step #>> '{}' WHEN 'object' THEN m.step ->> 'id' END,
           CASE WHEN jsonb_typeof(m.step) = 'object' THEN m.step -> 'prerequisites' END
    FROM jsonb_array_elements(paths) WITH ORDINALITY AS t(e, ord)
    CROSS JOIN LATERAL jsonb_array_elements(t.e -> 'modules') WITH ORDINALITY AS m(step, ord)
    WHERE jsonb_typeof(t.e -> 'modules') = 'array';

    SELECT s.path_idx, s.path_id, s.pos - 1 AS pos, c.code, c.problem INTO v_bad
    FROM pg_temp.path_steps AS s
    CROSS JOIN LATERAL (VALUES
        (1, '22023', CASE WHEN jsonb_typeof(s.step) NOT IN ('string', 'object')
                          THEN 'must be an item id or {"id", "prerequisites"}' END),
        (2, '22023', CASE WHEN jsonb_typeof(s.step) = 'object' THEN coalesce(
            'unknown keys ' || rec._unknown_keys(s.step, ARRAY['id', 'prerequisites']),
            CASE WHEN coalesce(jsonb_typeof(s.step -> 'id'), 'null') = 'null' THEN 'id is required' END,
            CASE WHEN s.prerequisites IS NOT NULL AND (jsonb_typeof(s.prerequisites) <> 'array'
                                                       OR jsonb_array_length(s.prerequisites) > 50)
                 THEN 'prerequisites must be an array of at most 50 item ids' END,
            CASE WHEN jsonb_typeof(s.prerequisites) = 'array' AND EXISTS (
                     SELECT FROM jsonb_array_elements(s.prerequisites) AS p(v) WHERE rec._json_problem(p.v, 'id') IS NOT NULL
                                                                              OR jsonb_typeof(p.v) <> 'string')
                 THEN 'prerequisites must be item ids (1..200 characters)' END) END),
        (3, '22023', 'id ' || rec._json_problem(CASE jsonb_typeof(s.step) WHEN 'string' THEN s.step ELSE s.step -> 'id' END, 'id')),
        (4, '22023', CASE WHEN (SELECT count(*) FROM pg_temp.path_steps AS o WHERE o.path_idx = s.path_idx AND o.item = s.item) > 1
                          THEN format('"%s" appears more than once in the path', s.item) END)
    ) AS c(n, code, problem)
    WHERE c.problem IS NOT NULL
    ORDER BY s.path_idx, s.pos, c.n
    LIMIT 1;
    IF FOUND THEN
        PERFORM rec._raise_batch_problem('paths', v_bad.path_idx, v_bad.path_id, v_bad.code,
                                         format('modules[%s] %s', v_bad.pos, v_bad.problem), v_hint);
    END IF;

    SELECT s.path_idx, s.pos - 1 AS pos, x.item INTO v_bad
    FROM pg_temp.path_steps AS s
    CROSS JOIN LATERAL (SELECT s.item UNION ALL
                        SELECT p FROM jsonb_array_elements_text(coalesce(s.prerequisites, '[]')) AS p) AS x(item)
    WHERE NOT EXISTS (SELECT FROM pgrec.items AS i WHERE i.external_id = x.item)
    ORDER BY s.path_idx, s.pos
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'paths[%].modules[%]: unknown item "%"', v_bad.path_idx, v_bad.pos, v_bad.item
            USING ERRCODE = 'P0002',
                  DETAIL = format('element %s of the paths batch; nothing in the batch was stored', v_bad.path_idx),
                  HINT = 'Create items with rec.upsert_items first.';
    END IF;

    -- A prerequisite that is itself a later module of the path: the path contradicts itself.
    SELECT s.path_idx, s.path_id, s.pos - 1 AS pos, s.item, later.item AS needs INTO v_bad
    FROM pg_temp.path_steps AS s
    JOIN pgrec.items AS i ON i.external_id = s.item
    CROSS JOIN LATERAL (SELECT p FROM jsonb_array_elements_text(coalesce(s.prerequisites, '[]')) AS p
                        UNION
                        SELECT p FROM jsonb_array_elements_text(
                            CASE WHEN jsonb_typeof(i.attributes -> 'prerequisites') = 'array'
                                 THEN i.attributes -> 'prerequisites' ELSE '[]' END) AS p) AS need(item)
    JOIN pg_temp.path_steps AS later ON later.path_idx = s.path_idx AND later.item = need.item AND later.pos >= s.pos
    ORDER BY s.path_idx, s.pos
    LIMIT 1;
    IF FOUND THEN
        PERFORM rec._raise_batch_problem('paths', v_bad.path_idx, v_bad.path_id, '22023',
            format('modules[%s]: "%s" needs "%s", which does not come before it in the path', v_bad.pos, v_bad.item, v_bad.needs),
            'Order the modules so that every prerequisite comes first.');
    END IF;

    INSERT INTO pgrec.learning_paths (external_id, title, description, attributes, created_at, updated_at)
    SELECT t.e ->> 'id', coalesce(t.e ->> 'title', ''), coalesce(t.e ->> 'description', ''),
           coalesce(CASE WHEN jsonb_typeof(t.e -> 'attributes') = 'object' THEN t.e -> 'attributes' END, '{}'),
           v_now, v_now
    FROM jsonb_array_elements(paths) AS t(e)
    ORDER BY t.e ->> 'id'
    ON CONFLICT (external_id) DO UPDATE SET updated_at = excluded.updated_at;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    -- Keys given replace the stored values (a new path was just inserted with them: no-op).
    UPDATE pgrec.learning_paths AS lp SET
        title = CASE WHEN t.e ? 'title' THEN coalesce(t.e ->> 'title', '') ELSE lp.title END,
        description = CASE WHEN t.e ? 'description' THEN coalesce(t.e ->> 'description', '') ELSE lp.description END,
        attributes = CASE WHEN t.e ? 'attributes' THEN coalesce(CASE WHEN jsonb_typeof(t.e -> 'attributes') = 'object'
                                                                     THEN t.e -> 'attributes' END, '{}')
                          ELSE lp.attributes END
    FROM jsonb_array_elements(paths) AS t(e)
    WHERE lp.external_id = t.e ->> 'id';

    DELETE FROM pgrec.path_modules AS m
    USING pgrec.learning_paths AS lp, jsonb_array_elements(paths) AS t(e)
    WHERE m.path_id = lp.id AND lp.external_id = t.e ->> 'id' AND t.e ? 'modules';
    INSERT INTO pgrec.path_modules (path_id, position, item_id, prerequisites)
    SELECT lp.id, s.pos, i.id,
           ARRAY(SELECT q.id FROM jsonb_array_elements_text(coalesce(s.prerequisites, '[]')) WITH ORDINALITY AS p(ext, ord)
                 JOIN pgrec.items AS q ON q.external_id = p.ext ORDER BY p.ord)
    FROM pg_temp.path_steps AS s
    JOIN pgrec.learning_paths AS lp ON lp.external_id = s.path_id
    JOIN pgrec.items AS i ON i.external_id = s.item
    ORDER BY lp.id, s.pos;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION rec.upsert_paths(jsonb) IS
'Create or update learning paths [{id, title?, description?, attributes?, modules: [item id | {id, prerequisites}]}]: ordered modules with prerequisites beyond the items'' own. Validated whole (P0002 unknown item, 22023 a prerequisite later in the path). Returns paths written.';
