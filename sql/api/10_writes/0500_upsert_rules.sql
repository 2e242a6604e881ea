-- Create or replace boost/bury rules by name:
--   SELECT rec.upsert_rules('[{"name": "summer-sale", "boost": 0.3, "tag": "category:garden",
--                              "starts_at": "2026-06-01", "ends_at": "2026-07-01"}]');
-- An element is {name, boost (-1..1, not 0; negative buries), and at least one condition:
-- tag, creator_id, attributes (the item's attributes must contain it); optional strategy
-- (only that strategy; default all), starts_at, ends_at}. An item must match every condition
-- given. A rule is replaced whole: keys left out are cleared. Validated as one batch.
CREATE FUNCTION rec.upsert_rules(rules jsonb)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_allowed constant text[] := ARRAY['name', 'boost', 'tag', 'creator_id', 'attributes', 'strategy',
                                       'starts_at', 'ends_at'];
    v_bad  record;
    v_rows integer;
BEGIN
    PERFORM rec._check_batch('rules', rules, 1000);

    SELECT t.ord - 1 AS idx, t.e ->> 'name' AS id, c.code, c.problem INTO v_bad
    FROM (SELECT x.e, x.ord, count(*) OVER (PARTITION BY x.e -> 'name') AS copies
          FROM jsonb_array_elements(rules) WITH ORDINALITY AS x(e, ord)) AS t
    CROSS JOIN LATERAL (SELECT * FROM rec._keyed_object_problems(t.e, 'name', v_allowed, t.copies)
                        UNION ALL VALUES
        (5, '22004', CASE WHEN jsonb_typeof(t.e) = 'object' AND coalesce(jsonb_typeof(t.e -> 'boost'), 'null') = 'null'
                          THEN 'boost is required' END),
        (6, '22023', CASE WHEN jsonb_typeof(t.e) = 'object' THEN coalesce(
            CASE WHEN jsonb_typeof(t.e -> 'boost') <> 'number' OR (t.e ->> 'boost')::numeric NOT BETWEEN -1 AND 1
                      OR (t.e ->> 'boost')::numeric = 0
                 THEN 'boost must be a number between -1 and 1, not 0' END,
            'tag '        || rec._json_problem(t.e -> 'tag', 'id'),
            'creator_id ' || rec._json_problem(t.e -> 'creator_id', 'id'),
            'attributes ' || rec._json_problem(t.e -> 'attributes', 'object'),
            'strategy '   || rec._json_problem(t.e -> 'strategy', 'text'),
            CASE WHEN jsonb_typeof(t.e -> 'strategy') = 'string'
                      AND NOT EXISTS (SELECT FROM pgrec.strategies AS s WHERE s.name = t.e ->> 'strategy')
                 THEN format('unknown strategy "%s"', t.e ->> 'strategy') END,
            'starts_at '  || rec._json_problem(t.e -> 'starts_at', 'timestamp'),
            'ends_at '    || rec._json_problem(t.e -> 'ends_at', 'timestamp'),
            CASE WHEN coalesce(jsonb_typeof(t.e -> 'tag'), 'null') = 'null'
                      AND coalesce(jsonb_typeof(t.e -> 'creator_id'), 'null') = 'null'
                      AND coalesce(jsonb_typeof(t.e -> 'attributes'), 'null') = 'null'
                 THEN 'needs at least one condition: tag, creator_id or attributes' END,
            CASE WHEN jsonb_typeof(t.e -> 'starts_at') = 'string' AND jsonb_typeof(t.e -> 'ends_at') = 'string'
                      AND (t.e ->> 'starts_at')::timestamptz >= (t.e ->> 'ends_at')::timestamptz
                 THEN 'starts_at must be before ends_at' END) END)
    ) AS c(n, code, problem)
    WHERE c.problem IS NOT NULL
    ORDER BY t.ord, c.n
    LIMIT 1;
    IF FOUND THEN
        PERFORM rec._raise_batch_problem('rules', v_bad.idx, v_bad.id, v_bad.code, v_bad.problem,
            'A rule is {"name", "boost": -1..1, "tag"?, "creator_id"?, "attributes"?: {}, "strategy"?, '
            '"starts_at"?, "ends_at"?} with at least one of tag, creator_id, attributes.');
    END IF;

    PERFORM rec._tag_ids(array_agg(e ->> 'tag'), true)
    FROM jsonb_array_elements(rules) AS e WHERE jsonb_typeof(e -> 'tag') = 'string';

    INSERT INTO pgrec.rules AS r (name, boost, tag_id, creator_id, attributes, strategy, starts_at, ends_at)
    SELECT e ->> 'name', (e ->> 'boost')::float8,
           (SELECT tg.id FROM rec._parse_tag(e ->> 'tag') AS p JOIN pgrec.tags AS tg ON tg.kind = p.kind AND tg.value = p.value),
           e ->> 'creator_id',
           CASE WHEN jsonb_typeof(e -> 'attributes') = 'object' THEN e -> 'attributes' END,
           e ->> 'strategy', (e ->> 'starts_at')::timestamptz, (e ->> 'ends_at')::timestamptz
    FROM jsonb_array_elements(rules) AS e
    ON CONFLICT (name) DO UPDATE SET
        boost = excluded.boost, tag_id = excluded.tag_id, creator_id = excluded.creator_id,
        attributes = excluded.attributes, strategy = excluded.strategy,
        starts_at = excluded.starts_at, ends_at = excluded.ends_at;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION rec.upsert_rules(jsonb) IS
'Create or replace boost/bury rules by name from a JSON array of {name, boost -1..1, tag?, creator_id?, attributes?, strategy?, starts_at?, ends_at?}. Returns rows written.';
