-- Delete rules by name; names that do not exist are ignored. Returns rules deleted.
CREATE FUNCTION rec.delete_rules(names text[])
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_rows integer;
BEGIN
    IF names IS NULL THEN
        RAISE EXCEPTION 'names must not be null' USING ERRCODE = '22004', HINT = 'Pass an array of rule names.';
    END IF;
    IF array_position(names, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'names[%] must not be null', array_position(names, NULL) USING ERRCODE = '22004';
    END IF;
    -- Rule names are 1..200 characters (pgrec.rules): anything else names no rule, and is a
    -- caller's mistake worth saying rather than ignoring.
    IF EXISTS (SELECT FROM unnest(names) AS n WHERE length(n) NOT BETWEEN 1 AND 200) THEN
        RAISE EXCEPTION 'names[%] must be 1..200 characters',
            (SELECT min(o) FROM unnest(names) WITH ORDINALITY AS x(n, o) WHERE length(x.n) NOT BETWEEN 1 AND 200)
            USING ERRCODE = '22023';
    END IF;
    DELETE FROM pgrec.rules AS r WHERE r.name = ANY (names);
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION rec.delete_rules(text[]) IS 'Delete boost/bury rules by name. Returns rules deleted.';
