-- Delete rules by name; names that do not exist are ignored. Names are checked like any id
-- (a rule name is one): an empty or overlong name names no rule, and is a caller's mistake
-- worth saying rather than ignoring. Returns rules deleted.
CREATE FUNCTION rec.delete_rules(names text[]) RETURNS integer
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT rec._check_ids('names', names, 10000);
    WITH deleted AS (DELETE FROM pgrec.rules AS r WHERE r.name = ANY (names) RETURNING 1)
    SELECT count(*)::integer FROM deleted;
$$;
COMMENT ON FUNCTION rec.delete_rules(text[]) IS 'Delete boost/bury rules by name. Returns rules deleted.';
