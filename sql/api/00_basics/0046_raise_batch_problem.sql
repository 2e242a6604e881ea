-- Raise the first problem of a batch, naming the element: "items[3] (id "x"): price must be…".
CREATE FUNCTION rec._raise_batch_problem(p_batch text, p_index bigint, p_id text, p_code text, p_problem text, p_hint text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION '%[%]%: %', p_batch, p_index,
                    CASE WHEN p_id IS NULL THEN '' ELSE format(' (id "%s")', p_id) END, p_problem
        USING ERRCODE = p_code,
              DETAIL = format('element %s of the %s batch; nothing in the batch was stored', p_index, p_batch),
              HINT = coalesce(p_hint, '');
END;
$$;
COMMENT ON FUNCTION rec._raise_batch_problem(text, bigint, text, text, text, text) IS 'Internal: raise a batch validation error that names the element.';
