-- Order a set of items into a learning path for a user.
--
-- Prerequisites are declared on the items themselves: attributes.prerequisites is an array of
-- item ids that must come first, e.g.
--   SELECT rec.upsert_items('[{"id": "sql-2", "attributes": {"level": 2, "prerequisites": ["sql-1"]}}]');
-- They are followed transitively, also through items outside the set (if b needs x and x
-- needs a, a comes before b). Ids that name no item are ignored. A cycle among the items the
-- set depends on is an error (22023) naming the items that cannot be ordered.
--
-- Progress: items the user completed (a 'complete' event) come first, marked completed, and
-- satisfy the prerequisites that name them. Difficulty: attributes.level (a number) against
-- the learner's recommended difficulty (rec._difficulty_target: from recent scores and time
-- spent; without scores, half a level above the mean level of what they completed or rated 4
-- or more; else their declared level; else the easiest level in the set). The score is the
-- difficulty match exp(-|level - target|) (0.5 for items without a level); among the items
-- whose prerequisites are placed, the best match comes next, then the item id.
-- Items that are not live are left out of the output but still order the others.
CREATE FUNCTION rec.learning_path(user_id text, item_ids text[])
RETURNS TABLE (step integer, item_id text, score double precision, reasons jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_now       constant timestamptz := rec.now();
    v_max_items constant integer := 200;
    v_max_graph constant integer := 2000;   -- bounds the prerequisite walk on odd data
    v_uid       bigint;
    v_missing   text;
    v_set       bigint[];     -- the requested items, in the order given
    v_nodes     bigint[];     -- the set plus every prerequisite reachable from it
    v_from      bigint[];     -- edges: v_from[k] needs v_to[k] first
    v_to        bigint[];
    v_done      bigint[];     -- items the user completed
    v_level     double precision;
    v_target    double precision;
    v_order     bigint[] := '{}';
    v_next      bigint;
    v_stuck     text;
BEGIN
    PERFORM rec._check_id('user_id', learning_path.user_id);
    IF item_ids IS NULL THEN
        RAISE EXCEPTION 'item_ids must not be null' USING ERRCODE = '22004', HINT = 'Pass ARRAY[''item-1'', ''item-2''].';
    END IF;
    IF cardinality(item_ids) = 0 OR cardinality(item_ids) > v_max_items THEN
        RAISE EXCEPTION 'item_ids must hold 1 to % items, got %', v_max_items, cardinality(item_ids)
            USING ERRCODE = '22023';
    END IF;
    PERFORM rec._check_ids('item_ids', item_ids, v_max_items);
    SELECT x.ext INTO v_missing
    FROM unnest(item_ids) WITH ORDINALITY AS x(ext, ord)
    WHERE NOT EXISTS (SELECT FROM pgrec.items AS i WHERE i.external_id = x.ext)
    ORDER BY x.ord LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'unknown item "%"', v_missing
            USING ERRCODE = 'P0002', HINT = 'Create items with rec.upsert_items first.';
    END IF;
    v_uid := rec._user_id(learning_path.user_id);

    SELECT array_agg(i.id ORDER BY x.ord) INTO v_set
    FROM (SELECT ext, min(ord) AS ord FROM unnest(item_ids) WITH ORDINALITY AS u(ext, ord) GROUP BY ext) AS x
    JOIN pgrec.items AS i ON i.external_id = x.ext;

    WITH RECURSIVE reach(id) AS (
        SELECT unnest(v_set)
        UNION
        SELECT p.id
        FROM reach AS r
        JOIN pgrec.items AS n ON n.id = r.id
        CROSS JOIN LATERAL jsonb_array_elements_text(
            CASE WHEN jsonb_typeof(n.attributes -> 'prerequisites') = 'array'
                 THEN n.attributes -> 'prerequisites' ELSE '[]' END) AS pre(ext)
        JOIN pgrec.items AS p ON p.external_id = pre.ext
    )
    SELECT array_agg(id) INTO v_nodes FROM (SELECT id FROM reach LIMIT v_max_graph + 1) AS capped;
    IF cardinality(v_nodes) > v_max_graph THEN
        RAISE EXCEPTION 'these items depend on more than % prerequisites', v_max_graph
            USING ERRCODE = '22023', HINT = 'Check attributes.prerequisites for runaway chains.';
    END IF;

    SELECT coalesce(array_agg(n.id), '{}'), coalesce(array_agg(p.id), '{}') INTO v_from, v_to
    FROM pgrec.items AS n
    CROSS JOIN LATERAL jsonb_array_elements_text(
        CASE WHEN jsonb_typeof(n.attributes -> 'prerequisites') = 'array'
             THEN n.attributes -> 'prerequisites' ELSE '[]' END) AS pre(ext)
    JOIN pgrec.items AS p ON p.external_id = pre.ext
    WHERE n.id = ANY (v_nodes);

    SELECT coalesce(array_agg(DISTINCT e.item_id), '{}') INTO v_done
    FROM pgrec.events AS e
    WHERE e.user_id = v_uid AND e.type = 'complete' AND e.occurred_at <= v_now;

    -- The user's level: what they finished or rated well, whatever its set.
    SELECT avg((i.attributes ->> 'level')::double precision) INTO v_level
    FROM (SELECT DISTINCT e.item_id FROM pgrec.events AS e
          WHERE e.user_id = v_uid AND e.occurred_at <= v_now
            AND (e.type = 'complete' OR (e.type = 'rate' AND e.value >= 4))) AS m
    JOIN pgrec.items AS i ON i.id = m.item_id
    WHERE jsonb_typeof(i.attributes -> 'level') = 'number';
    -- The target is the learner's recommended difficulty (rec._difficulty_target: recent
    -- scores and time spent, else half a level above v_level, else their declared level), the
    -- same one the feeds and rec.path_progress use; without any, the easiest level in the set.
    v_target := coalesce(rec._difficulty_target(v_uid, v_now),
                         (SELECT min((i.attributes ->> 'level')::double precision) FROM pgrec.items AS i
                          WHERE i.id = ANY (v_set) AND jsonb_typeof(i.attributes -> 'level') = 'number'));

    -- Kahn's algorithm, one item at a time so the choice among the ready ones can be ranked.
    -- Prerequisites outside the set go as soon as they can (they produce no step but unlock
    -- others), then completed items, then the best difficulty match.
    LOOP
        SELECT x.id INTO v_next
        FROM unnest(v_nodes) AS x(id)
        JOIN pgrec.items AS i ON i.id = x.id
        WHERE x.id <> ALL (v_order)
          AND NOT EXISTS (SELECT FROM unnest(v_from, v_to) AS e(f, t) WHERE e.f = x.id AND e.t <> ALL (v_order))
        ORDER BY x.id = ANY (v_set),
                 x.id = ANY (v_done) DESC,
                 CASE WHEN jsonb_typeof(i.attributes -> 'level') = 'number' AND v_target IS NOT NULL
                      THEN rec._decay(abs((i.attributes ->> 'level')::double precision - v_target)) ELSE 0.5 END DESC,
                 i.external_id
        LIMIT 1;
        EXIT WHEN v_next IS NULL;
        v_order := v_order || v_next;
        v_next := NULL;
    END LOOP;

    IF cardinality(v_order) < cardinality(v_nodes) THEN
        SELECT string_agg(format('"%s"', i.external_id), ', ' ORDER BY i.external_id) INTO v_stuck
        FROM pgrec.items AS i
        WHERE i.id = ANY (v_nodes) AND i.id <> ALL (v_order);
        RAISE EXCEPTION 'prerequisites form a cycle: % cannot be ordered', v_stuck
            USING ERRCODE = '22023',
                  HINT = 'attributes.prerequisites must form a DAG; remove one prerequisite of the cycle.';
    END IF;

    RETURN QUERY
    WITH placed AS (
        SELECT o.id, o.pos, i.external_id, pgrec.is_live(i.status, i.created_at, i.expires_at, v_now) AS live,
               CASE WHEN jsonb_typeof(i.attributes -> 'level') = 'number'
                    THEN (i.attributes ->> 'level')::double precision END AS level,
               o.id = ANY (v_done) AS completed
        FROM unnest(v_order) WITH ORDINALITY AS o(id, pos)
        JOIN pgrec.items AS i ON i.id = o.id
        WHERE o.id = ANY (v_set)
    ),
    described AS (
        SELECT p.*,
               CASE WHEN p.level IS NOT NULL AND v_target IS NOT NULL THEN rec._decay(abs(p.level - v_target)) ELSE 0.5 END AS fit,
               (SELECT coalesce(jsonb_agg(q.external_id ORDER BY q.external_id), '[]')
                FROM unnest(v_from, v_to) AS e(f, t) JOIN pgrec.items AS q ON q.id = e.t
                WHERE e.f = p.id) AS prerequisites,
               (SELECT coalesce(jsonb_agg(q.external_id ORDER BY q.external_id), '[]')
                FROM unnest(v_from, v_to) AS e(f, t) JOIN pgrec.items AS q ON q.id = e.t
                WHERE e.f = p.id AND e.t <> ALL (v_set) AND e.t <> ALL (v_done)) AS missing,
               NOT EXISTS (SELECT FROM unnest(v_from, v_to) AS e(f, t)
                           WHERE e.f = p.id AND e.t <> ALL (v_done)) AS unlocked
        FROM placed AS p
        WHERE p.live
    )
    SELECT (row_number() OVER (ORDER BY d.pos))::integer,
           d.external_id,
           d.fit,
           jsonb_build_object(
               'terms', jsonb_build_object('difficulty', d.fit),
               'status', CASE WHEN d.completed THEN 'completed' WHEN d.unlocked THEN 'ready' ELSE 'locked' END,
               'level', d.level,
               'user_level', v_level,
               'prerequisites', d.prerequisites,
               'missing_prerequisites', d.missing,
               'reasons', to_jsonb(array_remove(ARRAY[
                   CASE WHEN d.completed THEN 'completed'
                        WHEN d.unlocked THEN 'prerequisites done' END,
                   CASE WHEN jsonb_array_length(d.prerequisites) > 0 AND NOT d.completed AND NOT d.unlocked
                        THEN 'after ' || (SELECT string_agg(v, ', ') FROM jsonb_array_elements_text(d.prerequisites) AS v) END,
                   CASE WHEN jsonb_array_length(d.missing) > 0
                        THEN 'also needs ' || (SELECT string_agg(v, ', ') FROM jsonb_array_elements_text(d.missing) AS v)
                             || ' (not in this path)' END,
                   CASE WHEN NOT d.completed AND d.fit > 0.6 AND v_level IS NOT NULL THEN 'right level for you' END], NULL)))
    FROM described AS d
    ORDER BY d.pos;
END;
$$;
COMMENT ON FUNCTION rec.learning_path(text, text[]) IS
'A learning path over item_ids for a user: (step, item_id, score = difficulty match, reasons with status completed|ready|locked) in an order that respects attributes.prerequisites (transitively; cycles raise 22023), completed items first, then the best level match. Unknown item: P0002.';
