-- Shared JSON checks for the batch functions. Returns NULL when the value is acceptable, else
-- a phrase that completes "<field> ..." in an error message.
--
-- Written as one plain expression (no subqueries, no SET clause) so the planner inlines it into
-- the callers' validation queries: it runs for every field of every element of a batch, and a
-- real function call per field cost more than the inserts themselves. It uses only built-ins,
-- which resolve from pg_catalog first, and is reachable only from SECURITY DEFINER entry
-- points that pin search_path.
CREATE FUNCTION rec._json_problem(p_value jsonb, p_expect text)
RETURNS text
LANGUAGE sql
-- STABLE, not IMMUTABLE: pg_input_is_valid depends on DateStyle, and the planner only inlines
-- a function whose declared volatility covers its body.
STABLE
AS $$
    SELECT CASE
        -- A key that is absent or JSON null is always acceptable here; required keys are
        -- checked by the caller.
        WHEN p_value IS NULL OR jsonb_typeof(p_value) = 'null' THEN NULL
        WHEN p_expect = 'text' AND jsonb_typeof(p_value) <> 'string'
            THEN 'must be a string'
        WHEN p_expect = 'timestamp' AND (jsonb_typeof(p_value) <> 'string'
                                         OR NOT pg_input_is_valid(p_value #>> '{}', 'timestamptz'))
            THEN 'must be an ISO-8601 timestamp string'
        WHEN p_expect = 'number' AND jsonb_typeof(p_value) <> 'number'
            THEN 'must be a number'
        WHEN p_expect = 'nonnegative' AND (jsonb_typeof(p_value) <> 'number' OR (p_value #>> '{}')::numeric < 0)
            THEN 'must be a number >= 0'
        WHEN p_expect = 'boolean' AND jsonb_typeof(p_value) <> 'boolean'
            THEN 'must be true or false'
        WHEN p_expect = 'object' AND jsonb_typeof(p_value) <> 'object'
            THEN 'must be a JSON object'
        WHEN p_expect = 'tags' AND (jsonb_typeof(p_value) <> 'array'
                                    OR jsonb_array_length(p_value) > 200
                                    OR jsonb_path_exists(p_value, '$[*] ? (@.type() != "string" || @ like_regex "^\\s*$" || @ like_regex "^.{201}")'))
            THEN 'must be an array of at most 200 non-empty strings of at most 200 characters'
        WHEN p_expect = 'location' AND (jsonb_typeof(p_value) <> 'object'
                                        OR jsonb_typeof(p_value -> 'lat') IS DISTINCT FROM 'number'
                                        OR jsonb_typeof(p_value -> 'lon') IS DISTINCT FROM 'number'
                                        OR (p_value ->> 'lat')::float8 NOT BETWEEN -90 AND 90
                                        OR (p_value ->> 'lon')::float8 NOT BETWEEN -180 AND 180
                                        OR (p_value - ARRAY['lat', 'lon']) <> '{}'::jsonb)
            THEN 'must be {"lat": -90..90, "lon": -180..180}'
        WHEN p_expect = 'id' AND (jsonb_typeof(p_value) <> 'string'
                                  OR btrim(p_value #>> '{}') = ''
                                  OR length(p_value #>> '{}') > 200)
            THEN 'must be a non-empty string of at most 200 characters'
    END;
$$;
COMMENT ON FUNCTION rec._json_problem(jsonb, text) IS 'Internal: NULL if a JSON value has the expected shape, else what is wrong with it.';
