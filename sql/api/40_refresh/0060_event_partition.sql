-- Make sure the monthly partition of pgrec.events that holds p_month (UTC) exists; returns the
-- events it moved out of the default partition, or NULL when the partition was there already.
--
-- A new table is attached rather than created with CREATE TABLE ... PARTITION OF: attaching
-- takes SHARE UPDATE EXCLUSIVE on pgrec.events, so reads and writes of other months go on,
-- where creating a partition in place takes ACCESS EXCLUSIVE. The CHECK constraint matching
-- the bounds spares PostgreSQL the scan of the new table. The default partition is locked
-- ACCESS EXCLUSIVE and scanned while attaching (lists that read recent history wait for it
-- until the transaction commits), which is why its rows of that month are moved out first and
-- why the refresh step runs on its own transaction under a lock timeout.
CREATE FUNCTION rec._event_partition(p_month timestamptz) RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_from  constant timestamptz := date_trunc('month', p_month, 'UTC');
    v_to    constant timestamptz := (date_trunc('month', p_month, 'UTC') AT TIME ZONE 'UTC' + interval '1 month') AT TIME ZONE 'UTC';
    v_name  constant text := 'events_p' || to_char(v_from AT TIME ZONE 'UTC', 'YYYY_MM');
    v_check constant text := v_name || '_bounds';
    v_moved bigint;
BEGIN
    IF to_regclass(format('pgrec.%I', v_name)) IS NOT NULL THEN
        IF EXISTS (SELECT FROM pg_inherits AS i
                   WHERE i.inhparent = 'pgrec.events'::regclass AND i.inhrelid = format('pgrec.%I', v_name)::regclass) THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'table pgrec.% exists but is not a partition of pgrec.events', v_name
            USING ERRCODE = '42P07',
                  HINT = 'It was probably detached by retention: archive and drop it (or rename it) before events of that month are kept again.';
    END IF;
    EXECUTE format('CREATE TABLE pgrec.%I (LIKE pgrec.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', v_name);
    EXECUTE format('ALTER TABLE pgrec.%I ADD CONSTRAINT %I CHECK (occurred_at >= %L AND occurred_at < %L)',
                   v_name, v_check, v_from, v_to);
    EXECUTE format('WITH moved AS (DELETE FROM pgrec.events_default AS d WHERE d.occurred_at >= $1 AND d.occurred_at < $2 RETURNING d.*) '
                   'INSERT INTO pgrec.%I SELECT * FROM moved', v_name) USING v_from, v_to;
    GET DIAGNOSTICS v_moved = ROW_COUNT;
    EXECUTE format('ALTER TABLE pgrec.events ATTACH PARTITION pgrec.%I FOR VALUES FROM (%L) TO (%L)', v_name, v_from, v_to);
    EXECUTE format('ALTER TABLE pgrec.%I DROP CONSTRAINT %I', v_name, v_check);
    EXECUTE format('COMMENT ON TABLE pgrec.%I IS %L', v_name,
                   format('Events of %s (UTC), a partition of pgrec.events.', to_char(v_from AT TIME ZONE 'UTC', 'YYYY-MM')));
    RETURN v_moved;
END;
$$;
COMMENT ON FUNCTION rec._event_partition(timestamptz) IS
'Internal: create and attach the monthly partition of pgrec.events holding p_month (UTC), moving its events out of the default partition. Returns events moved, NULL when it existed.';
