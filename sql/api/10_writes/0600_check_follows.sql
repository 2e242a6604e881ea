-- The checks rec.follow and rec.unfollow share: a JSON array of at most 10,000 objects
-- {user_id, creator_id, at?}, ids of 1..200 characters, no unknown keys, an ISO-8601 `at` at
-- most a day ahead of rec.now() (a client's clock skew, not a date in the future), and nobody
-- following themselves. Raises the first problem, naming the element; nothing is written.
CREATE FUNCTION rec._check_follows(p_follows jsonb)
RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_allowed constant text[] := ARRAY['user_id', 'creator_id', 'at'];
    v_now     constant timestamptz := rec.now();
    v_bad     record;
BEGIN
    PERFORM rec._check_batch('follows', p_follows, 10000);
    SELECT t.ord - 1 AS idx, c.code, c.problem INTO v_bad
    FROM jsonb_array_elements(p_follows) WITH ORDINALITY AS t(e, ord)
    CROSS JOIN LATERAL (VALUES
        (1, '22023', CASE WHEN jsonb_typeof(t.e) <> 'object' THEN 'must be a JSON object' END),
        (2, '22004', CASE WHEN jsonb_typeof(t.e) = 'object' THEN
            CASE WHEN coalesce(jsonb_typeof(t.e -> 'user_id'), 'null') = 'null' THEN 'user_id is required'
                 WHEN coalesce(jsonb_typeof(t.e -> 'creator_id'), 'null') = 'null' THEN 'creator_id is required' END END),
        (3, '22023', CASE WHEN jsonb_typeof(t.e) = 'object' THEN coalesce(
            'unknown keys ' || rec._unknown_keys(t.e, v_allowed),
            'user_id '    || rec._json_problem(t.e -> 'user_id', 'id'),
            'creator_id ' || rec._json_problem(t.e -> 'creator_id', 'id'),
            'at '         || rec._json_problem(t.e -> 'at', 'timestamp'),
            CASE WHEN (t.e ->> 'at')::timestamptz > v_now + interval '1 day' THEN 'at is more than a day in the future' END,
            CASE WHEN t.e ->> 'user_id' = t.e ->> 'creator_id' THEN 'a user cannot follow themselves' END) END)
    ) AS c(n, code, problem)
    WHERE c.problem IS NOT NULL
    ORDER BY t.ord, c.n
    LIMIT 1;
    IF FOUND THEN
        PERFORM rec._raise_batch_problem('follows', v_bad.idx, NULL, v_bad.code, v_bad.problem,
            'A follow is {"user_id": text, "creator_id": text (the creator_id your items carry), "at"?: ISO-8601 timestamp}.');
    END IF;
END;
$$;
COMMENT ON FUNCTION rec._check_follows(jsonb) IS 'Internal: validate a follows batch [{user_id, creator_id, at?}], naming the first bad element.';
