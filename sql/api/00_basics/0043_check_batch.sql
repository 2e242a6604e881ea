CREATE FUNCTION rec._check_batch(p_batch text, p_value jsonb, p_max integer)
RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_value IS NULL THEN
        RAISE EXCEPTION '% must not be null', p_batch USING ERRCODE = '22004',
            HINT = format('Pass a JSON array of %s objects.', p_batch);
    END IF;
    IF jsonb_typeof(p_value) <> 'array' THEN
        RAISE EXCEPTION '% must be a JSON array, got %', p_batch, jsonb_typeof(p_value) USING ERRCODE = '22023',
            HINT = 'Wrap a single object in [ ]: ''[{"id": "…"}]''::jsonb.';
    END IF;
    -- One call is one transaction; the cap keeps it short enough not to hold locks for long.
    IF jsonb_array_length(p_value) > p_max THEN
        RAISE EXCEPTION '% batch has % elements; the limit is %', p_batch, jsonb_array_length(p_value), p_max
            USING ERRCODE = '22023', HINT = 'Split the batch into smaller calls.';
    END IF;
END;
$$;
COMMENT ON FUNCTION rec._check_batch(text, jsonb, integer) IS 'Internal: a batch argument must be a JSON array of at most p_max elements.';
