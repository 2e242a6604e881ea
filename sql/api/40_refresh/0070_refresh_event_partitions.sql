-- Refresh step "event_partitions" (first in order, daily): keep pgrec.events partitioned as
-- pgrec.event_partitioning says.
--   1. Events waiting in the default partition (history of months without a partition, or
--      recorded before this step first ran) move into their month's new partition.
--   2. The months from now to months_ahead ahead have a partition, so new events never land
--      in the default partition.
--   3. With a retention set, every monthly partition that ends before the horizon
--      date_trunc('month', now - retention) is detached: it leaves pgrec.events (no list, no
--      refresh step reads it any more) but stays a table of its own, with its foreign key to
--      pgrec.users (rec.forget_user still erases from it), for a DBA to archive and drop. The
--      event ids of those months are forgotten too; rec.track skips events before the horizon.
--      A detachment removes events without a DELETE, which the change log of incremental
--      refresh would not see, so the incremental steps then rebuild in full on their next run.
-- Returns events moved + partitions created + partitions detached.
--
-- Locks: attaching locks the default partition and detaching the whole events table (ACCESS
-- EXCLUSIVE) until the transaction commits; both are needed only once a month. lock_timeout
-- makes the step fail (and retry after back-off) rather than queue behind a long query while
-- every list queues behind it. Run it in its own transaction, as the scheduler and `pgrec
-- refresh` do; SELECT rec.refresh() holds these locks until all its steps are done.
CREATE FUNCTION rec._refresh_event_partitions() RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp SET lock_timeout = '10s' AS $$
DECLARE
    v_now     constant timestamptz := rec.now();
    v_policy  pgrec.event_partitioning;
    v_horizon timestamptz;
    v_month   timestamptz;
    v_part    record;
    v_moved   bigint;
    v_rows    bigint := 0;
BEGIN
    SELECT * INTO v_policy FROM pgrec.event_partitioning;
    v_policy.months_ahead := coalesce(v_policy.months_ahead, 3);

    FOR v_month IN SELECT DISTINCT date_trunc('month', d.occurred_at, 'UTC') FROM pgrec.events_default AS d ORDER BY 1
    LOOP
        v_moved := rec._event_partition(v_month);
        v_rows := v_rows + coalesce(v_moved + 1, 0);
    END LOOP;

    v_rows := v_rows + rec.create_event_partitions(v_now, v_now + make_interval(months => v_policy.months_ahead));

    IF v_policy.retention IS NOT NULL THEN
        v_horizon := date_trunc('month', v_now - v_policy.retention, 'UTC');
        FOR v_part IN
            SELECT c.relname
            FROM pg_inherits AS i
            JOIN pg_class AS c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'pgrec.events'::regclass
              AND c.relname ~ '^events_p[0-9]{4}_[0-9]{2}$'
              -- The month's end, in UTC like the bounds (a month in local time is not one).
              AND (to_date(substr(c.relname, 9), 'YYYY_MM')::timestamp + interval '1 month') AT TIME ZONE 'UTC' <= v_horizon
            ORDER BY c.relname
        LOOP
            EXECUTE format('ALTER TABLE pgrec.events DETACH PARTITION pgrec.%I', v_part.relname);
            EXECUTE format('COMMENT ON TABLE pgrec.%I IS %L', v_part.relname,
                           'Events detached from pgrec.events by retention (pgrec.event_partitioning): archive, then drop.');
            v_rows := v_rows + 1;
            DELETE FROM pgrec.refresh_state;
        END LOOP;
        DELETE FROM pgrec.event_ids AS x WHERE x.occurred_at < v_horizon;
    END IF;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION rec._refresh_event_partitions() IS
'Refresh step event_partitions: move default-partition events into monthly partitions, create partitions months_ahead, detach partitions older than the retention (pgrec.event_partitioning). Returns events moved + partitions created + detached.';
