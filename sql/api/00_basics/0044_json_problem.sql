-- Shared JSON checks for the batch functions. Returns NULL when the value is acceptable, else
-- a phrase that completes "<field> ..." in an error message. The bounds are the product's
-- input limits (README, "Limits"): they keep one client from storing what would later break
-- or slow down everyone's lists (a 1 MB description, a rating of 3e38, an item "created" in
-- 1950, JSON nested a thousand deep).
--
-- Written as one plain expression (no subqueries, no SET clause) so the planner inlines it into
-- the callers' validation queries: it runs for every field of every element of a batch, and a
-- real function call per field cost more than the inserts themselves. It uses only built-ins
-- and rec.now(), and is reachable only from SECURITY DEFINER entry points that pin search_path.
CREATE FUNCTION rec._json_problem(p_value jsonb, p_expect text)
RETURNS text
LANGUAGE sql
-- STABLE, not IMMUTABLE: pg_input_is_valid depends on DateStyle and the bounds on rec.now();
-- the planner only inlines a function whose declared volatility covers its body.
STABLE
AS $$
    SELECT CASE
        -- A key that is absent or JSON null is always acceptable here; required keys are
        -- checked by the caller.
        WHEN p_value IS NULL OR jsonb_typeof(p_value) = 'null' THEN NULL
        WHEN p_expect = 'title' AND (jsonb_typeof(p_value) <> 'string' OR length(p_value #>> '{}') > 1000)
            THEN 'must be a string of at most 1000 characters'
        WHEN p_expect = 'description' AND (jsonb_typeof(p_value) <> 'string' OR length(p_value #>> '{}') > 20000)
            THEN 'must be a string of at most 20000 characters'
        WHEN p_expect = 'text' AND (jsonb_typeof(p_value) <> 'string' OR length(p_value #>> '{}') > 200)
            THEN 'must be a string of at most 200 characters'
        -- ISO-8601 only: PostgreSQL also reads 'yesterday', 'now' and 'infinity', which a client
        -- never means as a timestamp. Within 50 years of now: older or later is a bug.
        WHEN p_expect = 'timestamp' AND (jsonb_typeof(p_value) <> 'string'
                 OR (p_value #>> '{}') !~ '^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|z|[+-]\d{2}(:?\d{2})?)?$'
                 OR NOT pg_input_is_valid(p_value #>> '{}', 'timestamptz'))
            THEN 'must be an ISO-8601 timestamp string, e.g. "2026-05-01T12:00:00Z"'
        WHEN p_expect = 'timestamp' AND (p_value #>> '{}')::timestamptz NOT BETWEEN rec.now() - interval '50 years'
                                                                                 AND rec.now() + interval '50 years'
            THEN 'must be within 50 years of now'
        WHEN p_expect = 'number' AND (jsonb_typeof(p_value) <> 'number' OR abs((p_value #>> '{}')::numeric) > 1e6)
            THEN 'must be a number between -1000000 and 1000000'
        WHEN p_expect = 'amount' AND (jsonb_typeof(p_value) <> 'number' OR (p_value #>> '{}')::numeric NOT BETWEEN 0 AND 1e12)
            THEN 'must be a number between 0 and 1e12'
        WHEN p_expect = 'distance' AND (jsonb_typeof(p_value) <> 'number' OR (p_value #>> '{}')::numeric <= 0
                                        OR (p_value #>> '{}')::numeric > 20000)
            THEN 'must be a number of km, greater than 0 and at most 20000'
        WHEN p_expect = 'boolean' AND jsonb_typeof(p_value) <> 'boolean'
            THEN 'must be true or false'
        WHEN p_expect = 'object' AND jsonb_typeof(p_value) <> 'object'
            THEN 'must be a JSON object'
        WHEN p_expect = 'object' AND (length(p_value::text) > 16384 OR jsonb_path_exists(p_value, 'strict $.**{9 to last}'))
            THEN 'must be at most 16 KB of JSON, nested at most 8 levels deep'
        -- Numbers inside are read as float8 by lists (a lesson's level): keep them finite there.
        WHEN p_expect = 'object' AND jsonb_path_exists(p_value, 'strict $.** ? (@.type() == "number" && (@ > 1e15 || @ < -1e15))')
            THEN 'must not hold numbers beyond ±1e15'
        WHEN p_expect = 'tags' AND (jsonb_typeof(p_value) <> 'array'
                                    OR jsonb_array_length(p_value) > 200
                                    OR jsonb_path_exists(p_value, '$[*] ? (@.type() != "string" || @ like_regex "^\\s*$" || @ like_regex "^.{201}")'))
            THEN 'must be an array of at most 200 non-empty strings of at most 200 characters'
        WHEN p_expect = 'location' AND (jsonb_typeof(p_value) <> 'object'
                                        OR jsonb_typeof(p_value -> 'lat') IS DISTINCT FROM 'number'
                                        OR jsonb_typeof(p_value -> 'lon') IS DISTINCT FROM 'number'
                                        OR (p_value ->> 'lat')::numeric NOT BETWEEN -90 AND 90
                                        OR (p_value ->> 'lon')::numeric NOT BETWEEN -180 AND 180
                                        OR (p_value - ARRAY['lat', 'lon']) <> '{}'::jsonb)
            THEN 'must be {"lat": -90..90, "lon": -180..180}'
        WHEN p_expect = 'id' AND (jsonb_typeof(p_value) <> 'string'
                                  OR btrim(p_value #>> '{}') = ''
                                  OR length(p_value #>> '{}') > 200)
            THEN 'must be a non-empty string of at most 200 characters'
    END;
$$;
COMMENT ON FUNCTION rec._json_problem(jsonb, text) IS 'Internal: NULL if a JSON value has the expected shape and bounds, else what is wrong with it.';
