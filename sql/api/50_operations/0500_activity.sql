-- Events per time bucket over a trailing window, by event type: what the operator dashboard
-- charts as "events per minute", and what a DBA checks when asking "is traffic arriving?".
--   SELECT * FROM rec.activity();                          -- last hour, per minute
--   SELECT * FROM rec.activity('1 day', '1 hour');
-- One row per bucket, oldest first, empty buckets included (events = 0, by_type = {}), so a
-- chart's x axis has no holes. Buckets are aligned to multiples of the bucket length (whole
-- minutes, whole hours), the last one holds rec.now().
-- Counted by occurred_at, the time rec.track records (rec.now() unless the client sent `at`):
-- a replay with rec.as_of sees the activity of that moment, and a bulk import of old history
-- does not show up as a burst of current traffic. Events "in the future" (clients may send
-- `at` up to a day ahead) are not counted until their time comes.
CREATE FUNCTION rec.activity("window" interval DEFAULT '1 hour', bucket interval DEFAULT '1 minute')
RETURNS TABLE (bucket_start timestamptz, events bigint, by_type jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_now    constant timestamptz := rec.now();
    -- Any fixed origin works for date_bin; this one keeps minute and hour buckets on the clock.
    v_origin constant timestamptz := timestamptz '2000-01-01 00:00:00+00';
    v_end    timestamptz;
    v_start  timestamptz;
    v_count  integer;
BEGIN
    IF "window" IS NULL OR bucket IS NULL THEN
        RAISE EXCEPTION '% must not be null', CASE WHEN "window" IS NULL THEN 'window' ELSE 'bucket' END
            USING ERRCODE = '22004', HINT = 'For example rec.activity(''1 hour'', ''1 minute'').';
    END IF;
    IF bucket < interval '1 second' OR bucket > interval '1 day' THEN
        RAISE EXCEPTION 'bucket must be between 1 second and 1 day, got %', bucket USING ERRCODE = '22023';
    END IF;
    IF "window" < bucket OR "window" > interval '30 days' THEN
        RAISE EXCEPTION 'window must be between the bucket (%) and 30 days, got %', bucket, "window"
            USING ERRCODE = '22023';
    END IF;
    v_count := ceil(extract(epoch FROM "window") / extract(epoch FROM bucket))::integer;
    -- A chart cannot show more points than this, and the cap bounds the series below.
    IF v_count > 1440 THEN
        RAISE EXCEPTION 'window / bucket gives % buckets, at most 1440 are allowed', v_count
            USING ERRCODE = '22023', HINT = 'Use a longer bucket, e.g. ''1 hour'' for a window of several days.';
    END IF;
    v_end := date_bin(bucket, v_now, v_origin) + bucket;
    v_start := v_end - v_count * bucket;

    RETURN QUERY
    WITH counted AS (
        SELECT date_bin(activity.bucket, e.occurred_at, v_origin) AS b, e.type, count(*) AS n
        FROM pgrec.events AS e
        WHERE e.occurred_at >= v_start AND e.occurred_at <= v_now
        GROUP BY 1, 2
    )
    SELECT s.b,
           coalesce(sum(c.n), 0)::bigint,
           coalesce(jsonb_object_agg(c.type, c.n ORDER BY c.type) FILTER (WHERE c.type IS NOT NULL), '{}'::jsonb)
    FROM generate_series(v_start, v_end - activity.bucket, activity.bucket) AS s(b)
    LEFT JOIN counted AS c ON c.b = s.b
    GROUP BY s.b
    ORDER BY s.b;
END;
$$;
COMMENT ON FUNCTION rec.activity(interval, interval) IS
'Events per bucket over the trailing window ending at rec.now(): (bucket_start, events, by_type {type: count}), oldest first, empty buckets included. At most 1440 buckets; 22023 beyond or for a bucket outside 1 second..1 day.';
