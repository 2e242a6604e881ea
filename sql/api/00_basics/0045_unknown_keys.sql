-- Unknown keys are rejected rather than ignored: a typo such as "titel" must not silently
-- store nothing. Returns the offending keys as a JSON array text (e.g. ["titel"]), or NULL.
-- A plain expression without SET, so callers' validation queries inline it (see
-- _json_problem).
CREATE FUNCTION rec._unknown_keys(p_object jsonb, p_allowed text[])
RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
    SELECT CASE WHEN (p_object - p_allowed) <> '{}'::jsonb
                THEN jsonb_path_query_array(p_object - p_allowed, '$.keyvalue().key')::text END;
$$;
COMMENT ON FUNCTION rec._unknown_keys(jsonb, text[]) IS 'Internal: the keys of an object that are not allowed, as a JSON array text, or NULL.';
