CREATE FUNCTION rec._check_id(p_what text, p_id text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_id IS NULL THEN
        RAISE EXCEPTION '% must not be null', p_what USING ERRCODE = '22004';
    END IF;
    IF btrim(p_id) = '' OR length(p_id) > 200 THEN
        RAISE EXCEPTION '% must be a non-empty text of at most 200 characters', p_what
            USING ERRCODE = '22023';
    END IF;
END;
$$;
COMMENT ON FUNCTION rec._check_id(text, text) IS 'Internal: validate an external id argument (1..200 characters).';
