-- Shared JSON checks for the batch functions. Each returns NULL when the value is acceptable,
-- else a phrase that completes "<field> ..." in an error message.
CREATE FUNCTION rec._json_problem(p_value jsonb, p_expect text)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog
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
                                    OR EXISTS (SELECT FROM jsonb_array_elements(p_value) t
                                               WHERE jsonb_typeof(t) <> 'string'
                                                  OR btrim(t #>> '{}') = ''
                                                  OR length(t #>> '{}') > 200))
            THEN 'must be an array of at most 200 non-empty strings'
        WHEN p_expect = 'location' AND (jsonb_typeof(p_value) <> 'object'
                                        OR jsonb_typeof(p_value -> 'lat') IS DISTINCT FROM 'number'
                                        OR jsonb_typeof(p_value -> 'lon') IS DISTINCT FROM 'number'
                                        OR (p_value ->> 'lat')::float8 NOT BETWEEN -90 AND 90
                                        OR (p_value ->> 'lon')::float8 NOT BETWEEN -180 AND 180
                                        OR EXISTS (SELECT FROM jsonb_object_keys(p_value) k WHERE k NOT IN ('lat', 'lon')))
            THEN 'must be {"lat": -90..90, "lon": -180..180}'
        WHEN p_expect = 'id' AND (jsonb_typeof(p_value) <> 'string'
                                  OR btrim(p_value #>> '{}') = ''
                                  OR length(p_value #>> '{}') > 200)
            THEN 'must be a non-empty string of at most 200 characters'
    END;
$$;
COMMENT ON FUNCTION rec._json_problem(jsonb, text) IS 'Internal: NULL if a JSON value has the expected shape, else what is wrong with it.';
