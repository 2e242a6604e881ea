-- A reason phrase with its {name} placeholders filled from a row's details; NULL when a
-- placeholder has no value (the caller then falls back to the phrase's fallback).
CREATE FUNCTION rec._fill_phrase(p_phrase text, p_details jsonb)
RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_text text := p_phrase;
    v_name text;
BEGIN
    IF p_phrase IS NULL THEN
        RETURN NULL;
    END IF;
    FOR v_name IN SELECT DISTINCT m[1] FROM regexp_matches(p_phrase, '\{([a-z_]+)\}', 'g') AS m LOOP
        IF p_details ->> v_name IS NULL THEN
            RETURN NULL;
        END IF;
        v_text := replace(v_text, '{' || v_name || '}', p_details ->> v_name);
    END LOOP;
    RETURN v_text;
END;
$$;
COMMENT ON FUNCTION rec._fill_phrase(text, jsonb) IS 'Internal: fill a reason phrase''s {placeholders} from details; NULL when one has no value.';
