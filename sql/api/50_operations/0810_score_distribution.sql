-- What the feed's scores look like now, for a sample of users: how confident the ranking is,
-- how fast it falls off down the page, and how many of them it personalises.
--   SELECT rec.score_distribution('marketplace', 30, 20);
-- The sample is the `users` users served most recently (pgrec.impressions of the last 7 days),
-- then those with the latest events (of the last 7 days), then the newest users, each asked
-- for their feed of `n` with `strategy` (NULL: what rec.feed serves without one) as of
-- rec.now(). Returns {strategy, users, rows, personalized_users, coverage (their share),
-- min, p10, p25, p50, p75, p90, max, mean, histogram: [{lower, upper, rows}] (`buckets`
-- equal bins from min to max), by_position: [{position, p50, mean}]}. Costs `users` feed calls,
-- hence the bounds: users 1..200, n 1..100, buckets 1..50.
CREATE FUNCTION rec.score_distribution(strategy text DEFAULT NULL, users integer DEFAULT 50, n integer DEFAULT 20,
                                       buckets integer DEFAULT 10)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_now      constant timestamptz := rec.now();
    v_sample   text[];
    v_user     text;
    v_ctx      rec.list_context;
    v_personal integer := 0;
    v_scores   double precision[] := '{}';
    v_position integer[] := '{}';
    v_result   jsonb;
BEGIN
    IF users IS NULL OR n IS NULL OR buckets IS NULL THEN
        RAISE EXCEPTION 'users, n and buckets must not be null' USING ERRCODE = '22004';
    END IF;
    IF users NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION 'users must be between 1 and 200, got %', users USING ERRCODE = '22023';
    END IF;
    IF n NOT BETWEEN 1 AND 100 THEN
        RAISE EXCEPTION 'n must be between 1 and 100, got %', n USING ERRCODE = '22023';
    END IF;
    IF buckets NOT BETWEEN 1 AND 50 THEN
        RAISE EXCEPTION 'buckets must be between 1 and 50, got %', buckets USING ERRCODE = '22023';
    END IF;

    -- Bounded reads: the last week through the BRIN indexes on served_at and occurred_at.
    SELECT array_agg(u.external_id ORDER BY x.rank, x.last DESC, u.external_id) INTO v_sample
    FROM (SELECT y.user_id, min(y.rank) AS rank, max(y.last) AS last
          FROM (SELECT i.user_id, 1 AS rank, max(i.served_at) AS last FROM pgrec.impressions AS i
                WHERE i.served_at > v_now - interval '7 days' AND i.served_at <= v_now GROUP BY i.user_id
                UNION ALL
                SELECT e.user_id, 2, max(e.occurred_at) FROM pgrec.events AS e
                WHERE e.occurred_at > v_now - interval '7 days' AND e.occurred_at <= v_now GROUP BY e.user_id
                UNION ALL
                SELECT z.id, 3, z.created_at FROM (SELECT u.id, u.created_at FROM pgrec.users AS u
                                                   ORDER BY u.id DESC LIMIT score_distribution.users) AS z) AS y
          GROUP BY y.user_id
          ORDER BY min(y.rank), max(y.last) DESC, y.user_id
          LIMIT score_distribution.users) AS x
    JOIN pgrec.users AS u ON u.id = x.user_id;

    FOREACH v_user IN ARRAY coalesce(v_sample, '{}') LOOP
        v_ctx := rec._list_context('feed', score_distribution.strategy, NULL, v_user, score_distribution.n, 0);
        IF (v_ctx.u).personal AND NOT v_ctx.cold_start
           AND coalesce((SELECT s.personalized FROM pgrec.strategies AS s WHERE s.name = v_ctx.strategy), true) THEN
            v_personal := v_personal + 1;
        END IF;
        SELECT v_scores || coalesce(array_agg(f.score ORDER BY f.pos), '{}'),
               v_position || coalesce(array_agg(f.pos::integer ORDER BY f.pos), '{}')
        INTO v_scores, v_position
        FROM (SELECT r.score, row_number() OVER () AS pos FROM rec._ranked_list(v_ctx) AS r) AS f;
    END LOOP;

    WITH s AS (
        SELECT x.score, x.pos FROM unnest(v_scores, v_position) AS x(score, pos)
    ),
    stats AS (
        SELECT count(*) AS rows, min(s.score) AS lo, max(s.score) AS hi, avg(s.score) AS mean,
               percentile_cont(ARRAY[0.1, 0.25, 0.5, 0.75, 0.9]) WITHIN GROUP (ORDER BY s.score) AS p
        FROM s
    ),
    bins AS (
        SELECT b.k, st.lo + (st.hi - st.lo) * (b.k - 1) / score_distribution.buckets AS lower,
               st.lo + (st.hi - st.lo) * b.k / score_distribution.buckets AS upper
        FROM stats AS st CROSS JOIN generate_series(1, score_distribution.buckets) AS b(k)
        WHERE st.rows > 0
    )
    SELECT jsonb_build_object(
        'strategy', score_distribution.strategy,
        'users', coalesce(cardinality(v_sample), 0),
        'rows', st.rows,
        'personalized_users', v_personal,
        'coverage', v_personal::float8 / nullif(coalesce(cardinality(v_sample), 0), 0),
        'min', st.lo, 'p10', st.p[1], 'p25', st.p[2], 'p50', st.p[3], 'p75', st.p[4], 'p90', st.p[5],
        'max', st.hi, 'mean', st.mean,
        'histogram', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                   'lower', b.lower, 'upper', b.upper,
                                   'rows', (SELECT count(*) FROM s
                                            WHERE CASE WHEN st.hi = st.lo THEN b.k = 1
                                                       ELSE least(width_bucket(s.score, st.lo, st.hi, score_distribution.buckets),
                                                                  score_distribution.buckets) = b.k END))
                                   ORDER BY b.k) FROM bins AS b), '[]'),
        'by_position', coalesce((SELECT jsonb_agg(jsonb_build_object('position', p.pos, 'p50', p.p50, 'mean', p.mean)
                                                  ORDER BY p.pos)
                                 FROM (SELECT s.pos, percentile_cont(0.5) WITHIN GROUP (ORDER BY s.score) AS p50,
                                              avg(s.score) AS mean
                                       FROM s GROUP BY s.pos) AS p), '[]'))
    INTO v_result
    FROM stats AS st;
    RETURN v_result;
END;
$$;
COMMENT ON FUNCTION rec.score_distribution(text, integer, integer, integer) IS
'Feed scores of a sample of recently served or active users for a strategy: {users, rows, personalized_users, coverage, min, p10..p90, max, mean, histogram [{lower, upper, rows}], by_position [{position, p50, mean}]}.';
