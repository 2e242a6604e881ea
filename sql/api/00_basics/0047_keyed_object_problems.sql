-- The elements of a batch with their position (ord, from 1) and how often their key (id, name)
-- appears in the batch, for the "appears more than once" check. A plain SELECT, so callers'
-- validation queries inline it.
CREATE FUNCTION rec._batch_elements(p_batch jsonb, p_key text)
RETURNS TABLE (e jsonb, ord bigint, copies bigint)
LANGUAGE sql IMMUTABLE AS $$
    SELECT x.e, x.ord, count(*) OVER (PARTITION BY x.e -> p_key)
    FROM jsonb_array_elements(p_batch) WITH ORDINALITY AS x(e, ord);
$$;
COMMENT ON FUNCTION rec._batch_elements(jsonb, text) IS
'Internal: a batch''s elements with their position and the number of elements sharing their key.';

-- The checks every batch element gets, whatever the batch: it is an object; its required keys
-- are there (the first one missing is named); it has no unknown keys. Rows (n, code, problem)
-- with a NULL problem when fine, numbered 1, 2 and 4 (3 is an upsert's key check) so a
-- caller's own checks (n = 5 .. 8) follow.
-- A plain SELECT over VALUES without SET, so callers' validation queries inline it.
CREATE FUNCTION rec._object_problems(p_element jsonb, p_required text[], p_allowed text[])
RETURNS TABLE (n integer, code text, problem text)
LANGUAGE sql IMMUTABLE AS $$
    SELECT v.n, v.code, v.problem FROM (VALUES
        (1, '22023', CASE WHEN jsonb_typeof(p_element) <> 'object' THEN 'must be a JSON object' END),
        (2, '22004', CASE WHEN jsonb_typeof(p_element) = 'object'
                          THEN (SELECT r.key || ' is required' FROM unnest(p_required) WITH ORDINALITY AS r(key, i)
                                WHERE coalesce(jsonb_typeof(p_element -> r.key), 'null') = 'null'
                                ORDER BY r.i LIMIT 1) END),
        (4, '22023', CASE WHEN jsonb_typeof(p_element) = 'object' THEN 'unknown keys ' || rec._unknown_keys(p_element, p_allowed) END)
    ) AS v(n, code, problem);
$$;
COMMENT ON FUNCTION rec._object_problems(jsonb, text[], text[]) IS
'Internal: the shared checks of a batch element (an object, required keys present, no unknown keys).';

-- What an upsert batch element gets on top: its key field (id, name) is a valid id (n = 3) and
-- does not appear twice in the batch (p_copies, n = 9, after the caller's checks 5 .. 8).
CREATE FUNCTION rec._keyed_object_problems(p_element jsonb, p_key text, p_allowed text[], p_copies bigint)
RETURNS TABLE (n integer, code text, problem text)
LANGUAGE sql STABLE AS $$
    SELECT * FROM rec._object_problems(p_element, ARRAY[p_key], p_allowed)
    UNION ALL VALUES
        (3, '22023', CASE WHEN jsonb_typeof(p_element) = 'object' THEN p_key || ' ' || rec._json_problem(p_element -> p_key, 'id') END),
        (9, '22023', CASE WHEN p_copies > 1 AND jsonb_typeof(p_element -> p_key) = 'string'
                          THEN p_key || ' appears more than once in the batch' END);
$$;
COMMENT ON FUNCTION rec._keyed_object_problems(jsonb, text, text[], bigint) IS
'Internal: the shared checks of an upsert batch element (object, key present and valid, no unknown keys, key not repeated).';
