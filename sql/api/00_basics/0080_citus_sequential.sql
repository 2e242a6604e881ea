-- On a Citus cluster, run the rest of the transaction over one connection per worker. A
-- transaction that has read or written a distributed table over several connections may not
-- then write a reference table or change a table's definition (XX000 "there was a parallel
-- operation on a distributed table in the transaction"); functions that do both call this
-- first, before any distributed query (the mode cannot change after one). Without Citus it
-- does nothing.
CREATE FUNCTION rec._citus_sequential() RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pgrec.citus_enabled() THEN
        PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
    END IF;
END;
$$;
COMMENT ON FUNCTION rec._citus_sequential() IS
'Internal: on Citus, one connection per worker for the rest of the transaction (needed before writing reference tables after distributed queries); a no-op otherwise.';
