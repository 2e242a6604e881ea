-- The checks every batch element of an upsert gets, whatever the batch: it is an object; its
-- key field (id, name) is there and a valid id; it has no unknown keys; its key does not appear
-- twice in the batch (p_copies). Rows (n, code, problem) with a NULL problem when fine, numbered
-- so a caller's own checks (n = 5 .. 8) come between the key checks and the duplicate check.
-- A plain SELECT over VALUES without SET, so callers' validation queries inline it.
CREATE FUNCTION rec._keyed_object_problems(p_element jsonb, p_key text, p_allowed text[], p_copies bigint)
RETURNS TABLE (n integer, code text, problem text)
LANGUAGE sql STABLE
AS $$
    SELECT v.n, v.code, v.problem FROM (VALUES
        (1, '22023', CASE WHEN jsonb_typeof(p_element) <> 'object' THEN 'must be a JSON object' END),
        (2, '22004', CASE WHEN jsonb_typeof(p_element) = 'object' AND coalesce(jsonb_typeof(p_element -> p_key), 'null') = 'null'
                          THEN p_key || ' is required' END),
        (3, '22023', CASE WHEN jsonb_typeof(p_element) = 'object' THEN p_key || ' ' || rec._json_problem(p_element -> p_key, 'id') END),
        (4, '22023', CASE WHEN jsonb_typeof(p_element) = 'object' THEN 'unknown keys ' || rec._unknown_keys(p_element, p_allowed) END),
        (9, '22023', CASE WHEN p_copies > 1 AND jsonb_typeof(p_element -> p_key) = 'string'
                          THEN p_key || ' appears more than once in the batch' END)
    ) AS v(n, code, problem);
$$;
COMMENT ON FUNCTION rec._keyed_object_problems(jsonb, text, text[], bigint) IS
'Internal: the shared checks of an upsert batch element (object, key present and valid, no unknown keys, key not repeated).';
