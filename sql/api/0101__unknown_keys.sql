-- Unknown keys are rejected rather than ignored: a typo such as "titel" must not silently
-- store nothing.
CREATE FUNCTION rec._unknown_keys(p_object jsonb, p_allowed text[])
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog
AS $$
    SELECT string_agg(format('"%s"', k), ', ' ORDER BY k)
    FROM jsonb_object_keys(p_object) AS k
    WHERE k <> ALL (p_allowed);
$$;
COMMENT ON FUNCTION rec._unknown_keys(jsonb, text[]) IS 'Internal: the keys of an object that are not allowed, or NULL.';
