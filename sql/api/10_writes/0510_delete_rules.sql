-- Delete rules by name; names that do not exist are ignored. Names are checked like any id
-- (a rule name is one): an empty or overlong name names no rule, and is a caller's mistake
-- worth saying rather than ignoring. Returns rules deleted.
CREATE FUNCTION rec.delete_rules(names text[]) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_deleted integer;
BEGIN
    PERFORM rec._check_ids('names', names, 10000);
    DELETE FROM pgrec.rules AS r WHERE r.name = ANY (names);
    GET DIAGNOSTICS v_deleted = ROW_COUNT;
    RETURN v_deleted;
END;
$$;
COMMENT ON FUNCTION rec.delete_rules(text[]) IS 'Delete boost/bury rules by name. Returns rules deleted.';
