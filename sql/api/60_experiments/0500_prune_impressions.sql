-- Delete impressions served more than `older_than` ago (by rec.now()), except those of
-- experiments still running, whose report needs them all; returns the rows deleted.
--   SELECT rec.prune_impressions('90 days');
-- Run it daily (a cron job, or a DBA) in autocommit; the rows are gone at once and autovacuum
-- makes their space reusable. At least a day, so that a slip such as '1 minute' cannot empty
-- the table; keep an ended experiment's impressions for as long as its report is read.
CREATE FUNCTION rec.prune_impressions(older_than interval) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_pruned bigint;
BEGIN
    PERFORM rec._check_interval('older_than', older_than, interval '1 day', NULL);
    DELETE FROM pgrec.impressions AS i
    WHERE i.served_at < rec.now() - older_than
      AND NOT EXISTS (SELECT FROM pgrec.experiments AS e
                      WHERE e.name = i.experiment
                        AND rec._experiment_status(e.starts_at, e.ends_at, rec.now()) = 'running');
    GET DIAGNOSTICS v_pruned = ROW_COUNT;
    RETURN v_pruned;
END;
$$;
COMMENT ON FUNCTION rec.prune_impressions(interval) IS
'Delete impressions served more than older_than (at least 1 day) ago, except those of running experiments; returns rows deleted.';
