-- Every list takes n and offset; one place says what is acceptable. The caps keep a single
-- call from ranking the whole catalogue.
CREATE FUNCTION rec._check_page(p_n integer, p_offset integer DEFAULT 0)
RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_n IS NULL OR p_offset IS NULL THEN
        RAISE EXCEPTION 'n and offset must not be null'
            USING ERRCODE = '22004', HINT = 'Pass n between 1 and 500 and offset between 0 and 10000.';
    END IF;
    IF p_n < 1 OR p_n > 500 THEN
        RAISE EXCEPTION 'n must be between 1 and 500, got %', p_n
            USING ERRCODE = '22023', HINT = 'Page through longer lists with offset.';
    END IF;
    IF p_offset < 0 OR p_offset > 10000 THEN
        RAISE EXCEPTION 'offset must be between 0 and 10000, got %', p_offset
            USING ERRCODE = '22023';
    END IF;
END;
$$;
COMMENT ON FUNCTION rec._check_page(integer, integer) IS 'Internal: validate n (1..500) and offset (0..10000).';
