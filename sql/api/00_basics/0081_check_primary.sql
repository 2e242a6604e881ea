-- Work that writes derived data runs on the primary: a hot standby is read-only (25006), and
-- receives the primary's results by replication. Then, on a Citus cluster, the rest of the
-- transaction runs sequentially (rec._citus_sequential): such work reads distributed tables and
-- then writes reference tables or changes definitions.
CREATE FUNCTION rec._begin_primary_work(p_hint text) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pg_is_in_recovery() THEN
        RAISE EXCEPTION 'this server is a read-only standby' USING ERRCODE = '25006', HINT = p_hint;
    END IF;
    PERFORM rec._citus_sequential();
END;
$$;
COMMENT ON FUNCTION rec._begin_primary_work(text) IS
'Internal: refuse to run on a standby (25006, with the hint), then on Citus switch the transaction to sequential mode.';
