-- Every pgrec table that references pgrec.users, and its column: what erasing or exporting a
-- user has to visit. Found through the foreign keys, so data that later features attach to a
-- user is covered without a list kept in step by hand. A partitioned table counts once (its
-- partitions' copies of the key are left out: a delete on the parent reaches them); a
-- partition detached by retention has a key of its own again, so erasing a user reaches the
-- archived events too.
CREATE FUNCTION rec._user_references() RETURNS TABLE (tbl regclass, relname name, attname name)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT c.conrelid::regclass, cl.relname, a.attname
    FROM pg_catalog.pg_constraint AS c
    JOIN pg_catalog.pg_class AS cl ON cl.oid = c.conrelid
    JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    WHERE c.contype = 'f'
      AND c.confrelid = 'pgrec.users'::regclass
      AND c.conrelid <> 'pgrec.users'::regclass
      AND cl.relnamespace = 'pgrec'::regnamespace
      AND cardinality(c.conkey) = 1
      AND c.conparentid = 0
    ORDER BY cl.relname;
$$;
COMMENT ON FUNCTION rec._user_references() IS 'Internal: (table, name, column) of every pgrec table with a foreign key to pgrec.users.';
