-- Create the monthly partitions of pgrec.events for every month from "from" to "until" (UTC),
-- each unless it exists; returns the number created. The refresh step event_partitions keeps
-- the months ahead of now covered; a DBA calls this before loading history from long ago, so
-- the load goes straight into its partitions instead of through the default partition (which
-- the step would then have to empty, row by row).
CREATE FUNCTION rec.create_event_partitions("from" timestamptz, until timestamptz) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_month   timestamptz;
    v_created integer := 0;
BEGIN
    IF "from" IS NULL OR until IS NULL THEN
        RAISE EXCEPTION 'from and until must not be null' USING ERRCODE = '22004';
    END IF;
    IF NOT (isfinite("from") AND isfinite(until)) OR until < "from" OR until > "from" + interval '100 years' THEN
        RAISE EXCEPTION 'from and until must be finite, in order and at most 100 years apart'
            USING ERRCODE = '22023', HINT = 'One monthly partition is created per month from "from" to "until".';
    END IF;
    -- Reads the default partition (all shards), then changes the table's definition.
    PERFORM rec._begin_primary_work('Create partitions on the primary.');
    FOR v_month IN
        SELECT (m AT TIME ZONE 'UTC')
        FROM generate_series(date_trunc('month', "from", 'UTC') AT TIME ZONE 'UTC',
                             date_trunc('month', until, 'UTC') AT TIME ZONE 'UTC', interval '1 month') AS m
    LOOP
        IF rec._event_partition(v_month) IS NOT NULL THEN
            v_created := v_created + 1;
        END IF;
    END LOOP;
    RETURN v_created;
END;
$$;
COMMENT ON FUNCTION rec.create_event_partitions(timestamptz, timestamptz) IS
'Create the monthly partitions of pgrec.events for the months from "from" to "until" (UTC) that have none, moving their events out of the default partition. Returns partitions created.';
