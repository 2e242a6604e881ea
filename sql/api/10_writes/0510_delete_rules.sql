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
    DELETE FROM pgrec.rules AS r WHERE r.name = ANY (names);
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION rec.delete_rules(text[]) IS 'Delete boost/bury rules by name. Returns rules deleted.';
