-- Per item, from scratch: the additive totals of pgrec.item_event_totals over the events the
-- run's snapshot sees up to its clock (see rec._refresh_stats), of every item or only of
-- p_items (the items whose events were deleted). The one definition behind the full rebuild
-- and that recomputation. EXECUTE: one query text, planned with the values, with the item
-- filter only when there is one (a filter "item = ANY (p) OR p IS NULL" would keep the index
-- out of the plan); PL/pgSQL, because Citus cannot plan a SQL function's parameterized queries
-- over distributed tables (0A000).
CREATE FUNCTION rec._item_event_totals(p_run rec.refresh_run, p_items bigint[] DEFAULT NULL)
RETURNS SETOF pgrec.item_event_totals
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY EXECUTE format($sql$
        SELECT e.item_id,
               count(*),
               coalesce(sum(e.weight::float8), 0),
               count(*) FILTER (WHERE e.type = 'like'),
               count(DISTINCT e.user_id) FILTER (WHERE e.polarity > 0),
               max(e.occurred_at),
               coalesce(sum(e.weight::float8) FILTER (WHERE e.occurred_at > $1 - interval '7 days'), 0),
               coalesce(sum(e.weight::float8) FILTER (WHERE e.occurred_at <= $1 - interval '7 days'
                                                        AND e.occurred_at > $1 - interval '14 days'), 0)
        FROM pgrec.weighted_events AS e
        WHERE e.occurred_at <= $1 AND rec._xact_seen(e.xact_id, $2, $3) %s
        GROUP BY e.item_id
    $sql$, CASE WHEN p_items IS NOT NULL THEN 'AND e.item_id = ANY ($4)' END)
    USING p_run.as_of, p_run.snapshot, p_run.own_xact, p_items;
END;
$$;
COMMENT ON FUNCTION rec._item_event_totals(rec.refresh_run, bigint[]) IS
'Internal: per item event totals (events, weight, likes, positive users, last event, 7-day windows) from the events a run''s snapshot sees.';

-- Per month (UTC) and item, from scratch: distinct users with an event of interest or exposure
-- (every item, or only p_items), as rec._item_event_totals reads them.
CREATE FUNCTION rec._item_month_users(p_run rec.refresh_run, p_items bigint[] DEFAULT NULL)
RETURNS SETOF pgrec.item_month_users
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY EXECUTE format($sql$
        SELECT date_trunc('month', e.occurred_at, 'UTC')::date, e.item_id, count(DISTINCT e.user_id)::integer
        FROM pgrec.weighted_events AS e
        WHERE e.occurred_at <= $1 AND e.polarity >= 0 AND rec._xact_seen(e.xact_id, $2, $3) %s
        GROUP BY 1, 2
    $sql$, CASE WHEN p_items IS NOT NULL THEN 'AND e.item_id = ANY ($4)' END)
    USING p_run.as_of, p_run.snapshot, p_run.own_xact, p_items;
END;
$$;
COMMENT ON FUNCTION rec._item_month_users(rec.refresh_run, bigint[]) IS
'Internal: distinct non-rejecting users per month and item from the events a run''s snapshot sees.';

-- Refresh step "stats": everything user-independent that lists read per candidate.
--   item_stats     per item: events; engagement = max(0, sum of event weights);
--                  engagement_score = ln(1 + engagement) / the catalogue's maximum;
--                  like_count; positive_users; popularity = like_count / max like_count;
--                  velocity = max(0, ln(1 + last 7 days) - ln(1 + the 7 days before)) / max
--   creator_stats  creator quality: mean engagement per item, shrunk towards the catalogue
--                  mean as if every creator had 3 more average items (one lucky item should
--                  not outrank a steady creator), on a log scale / the best creator's
--   tag_top_items  the 100 most engaging live items of each tag (the tags candidate source)
--   monthly_top_items  per calendar month, the 200 items with the most users (interest or
--                  exposure, not rejections): the signal "contemporary"
--
-- Incremental and exact: the sums behind these (pgrec.item_event_totals, item_month_users) are
-- additive, so a run adds the events its last run did not count (rec._new_events) instead of
-- reading all of them. What is not additive is handled so the result equals a full rebuild:
--   * distinct users (positive_users, users per month): a new event adds its user only when no
--     event the last run counted has the same user and item (and month) — one index probe
--     per new (user, item) through events_user_time;
--   * deleted or updated events (rec.forget_user, a deleted item, a DBA's DELETE) cannot be
--     subtracted without their rows, so those items are recomputed from their remaining events
--     (pgrec.refresh_changes): totals stop counting a forgotten user at the next run;
--   * the 7-day windows move with the clock: events that crossed a window edge since the last
--     run move between recent, previous and neither (two narrow time slices, BRIN);
--   * the normalised scores (/ the catalogue's maximum), creators, the top items per tag (which
--     also depend on items going live or expiring) and per month are recomputed from the
--     totals on every run: work in proportion to the catalogue, not to the events.
-- Event types are part of the inputs: re-weighting one makes the next run a full rebuild, as do
-- the periodic full_every and rec.refresh('stats', full => true). Readers keep the previous
-- rows until this transaction commits (MVCC), so no list sees an empty table.
CREATE FUNCTION rec._refresh_stats(p_full boolean) RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_run    rec.refresh_run;
    v_dirty  bigint[];
    v_new_users bigint[];
    v_new_items bigint[];
    v_new    bigint;
    v_detail text;
    v_rows   bigint;
    v_more   bigint;
BEGIN
    v_run := rec._refresh_begin('stats', p_full, rec._event_types_digest());
    IF v_run.incremental THEN
        -- Items with deleted or updated events: recomputed whole below. When they are a large
        -- part of the catalogue (a retention DELETE), a full rebuild is cheaper.
        v_dirty := ARRAY(SELECT DISTINCT c.item_id FROM rec._changes_since(v_run, 'events') AS c
                         ORDER BY 1);
        IF cardinality(v_dirty) > greatest(1000, (SELECT count(*) FROM pgrec.item_event_totals) / 5) THEN
            v_run := rec._refresh_in_full(v_run, 'events of ' || cardinality(v_dirty) || ' items were deleted');
        END IF;
    END IF;

    IF NOT v_run.incremental THEN
        DELETE FROM pgrec.item_event_totals;
        INSERT INTO pgrec.item_event_totals SELECT * FROM rec._item_event_totals(v_run);
        DELETE FROM pgrec.item_month_users;
        INSERT INTO pgrec.item_month_users SELECT * FROM rec._item_month_users(v_run);
        v_detail := (SELECT count(*) || ' items' FROM pgrec.item_event_totals);
    ELSE
        DROP TABLE IF EXISTS pg_temp.stats_new_events;
        -- EXECUTE: planned with the snapshot's bounds, so both BRIN indexes are used.
        EXECUTE 'CREATE TEMPORARY TABLE pg_temp.stats_new_events ON COMMIT DROP AS
                 SELECT e.* FROM rec._new_events($1) AS e WHERE e.item_id <> ALL ($2)'
        USING v_run, v_dirty;
        GET DIAGNOSTICS v_new = ROW_COUNT;
        ANALYZE pg_temp.stats_new_events;

        -- Events the last run counted that crossed a window edge since: they leave recent for
        -- previous (7 days ago) or previous for nothing (14 days ago).
        DROP TABLE IF EXISTS pg_temp.stats_window_moves;
        EXECUTE 'CREATE TEMPORARY TABLE pg_temp.stats_window_moves ON COMMIT DROP AS
                 SELECT e.item_id,
                        e.weight::float8 * ((e.occurred_at > $4 - interval ''7 days'')::int
                                            - (e.occurred_at > $5 - interval ''7 days'')::int) AS recent,
                        e.weight::float8 * ((e.occurred_at <= $4 - interval ''7 days'' AND e.occurred_at > $4 - interval ''14 days'')::int
                                            - (e.occurred_at <= $5 - interval ''7 days'' AND e.occurred_at > $5 - interval ''14 days'')::int) AS previous
                 FROM pgrec.weighted_events AS e
                 WHERE ((e.occurred_at > $5 - interval ''7 days'' AND e.occurred_at <= $4 - interval ''7 days'')
                        OR (e.occurred_at > $5 - interval ''14 days'' AND e.occurred_at <= $4 - interval ''14 days''))
                   AND e.occurred_at <= $5
                   AND rec._xact_seen(e.xact_id, $1, NULL) AND rec._xact_seen(e.xact_id, $2, $3)
                   AND e.item_id <> ALL ($6)'
        USING v_run.prev_snapshot, v_run.snapshot, v_run.own_xact, v_run.as_of, v_run.prev_as_of, v_dirty;

        -- What the last run counted of the new events' users and items: (user, item, month,
        -- positive) of their earlier events of interest or exposure. Read in one query filtered by
        -- both lists (on Citus on the users' shards; a subquery per new pair is not possible
        -- there), then matched by pair below.
        SELECT coalesce(array_agg(DISTINCT n.user_id), '{}'), coalesce(array_agg(DISTINCT n.item_id), '{}')
        INTO v_new_users, v_new_items
        FROM pg_temp.stats_new_events AS n WHERE n.polarity >= 0;
        DROP TABLE IF EXISTS pg_temp.stats_counted;
        CREATE TEMPORARY TABLE pg_temp.stats_counted ON COMMIT DROP AS
        SELECT DISTINCT o.user_id, o.item_id, date_trunc('month', o.occurred_at, 'UTC')::date AS month,
               o.polarity > 0 AS positive
        FROM pgrec.weighted_events AS o
        WHERE o.user_id = ANY (v_new_users) AND o.item_id = ANY (v_new_items)
          AND o.occurred_at <= v_run.prev_as_of AND o.polarity >= 0
          AND rec._xact_seen(o.xact_id, v_run.prev_snapshot, NULL);
        ANALYZE pg_temp.stats_counted;

        -- A new (user, item) with a positive event adds a positive user unless an event the last
        -- run counted already made them one.
        WITH added AS (
            SELECT n.item_id, count(*) AS events, sum(n.weight::float8) AS weight,
                   count(*) FILTER (WHERE n.type = 'like') AS likes, max(n.occurred_at) AS last_event_at,
                   coalesce(sum(n.weight::float8) FILTER (WHERE n.occurred_at > v_run.as_of - interval '7 days'), 0) AS recent,
                   coalesce(sum(n.weight::float8) FILTER (WHERE n.occurred_at <= v_run.as_of - interval '7 days'
                                                            AND n.occurred_at > v_run.as_of - interval '14 days'), 0) AS previous
            FROM pg_temp.stats_new_events AS n
            GROUP BY n.item_id
        ),
        new_positive AS (
            SELECT p.item_id, count(*) AS users
            FROM (SELECT DISTINCT n.user_id, n.item_id FROM pg_temp.stats_new_events AS n WHERE n.polarity > 0) AS p
            WHERE NOT EXISTS (SELECT FROM pg_temp.stats_counted AS o
                              WHERE o.user_id = p.user_id AND o.item_id = p.item_id AND o.positive)
            GROUP BY p.item_id
        ),
        moved AS (
            SELECT m.item_id, sum(m.recent) AS recent, sum(m.previous) AS previous
            FROM pg_temp.stats_window_moves AS m
            GROUP BY m.item_id
        ),
        delta AS (
            SELECT coalesce(a.item_id, m.item_id) AS item_id,
                   coalesce(a.events, 0) AS events, coalesce(a.weight, 0) AS weight, coalesce(a.likes, 0) AS likes,
                   coalesce(p.users, 0) AS positive_users, a.last_event_at,
                   coalesce(a.recent, 0) + coalesce(m.recent, 0) AS recent,
                   coalesce(a.previous, 0) + coalesce(m.previous, 0) AS previous
            FROM added AS a
            FULL JOIN moved AS m ON m.item_id = a.item_id
            LEFT JOIN new_positive AS p ON p.item_id = a.item_id
        )
        -- Items seen for the first time insert; items that only had window moves always
        -- exist (they have counted events), so their last_event_at is never needed.
        INSERT INTO pgrec.item_event_totals AS t (item_id, events, weight, likes, positive_users, last_event_at, recent, previous)
        SELECT d.item_id, d.events, d.weight, d.likes, d.positive_users, coalesce(d.last_event_at, '-infinity'),
               d.recent, d.previous
        FROM delta AS d
        ORDER BY d.item_id
        ON CONFLICT (item_id) DO UPDATE
        SET events = t.events + excluded.events, weight = t.weight + excluded.weight, likes = t.likes + excluded.likes,
            positive_users = t.positive_users + excluded.positive_users,
            last_event_at = greatest(t.last_event_at, excluded.last_event_at),
            recent = t.recent + excluded.recent, previous = t.previous + excluded.previous;

        -- Users per month: likewise, a new (month, user, item) counts unless the last run
        -- counted an event of that user and item in that month.
        INSERT INTO pgrec.item_month_users AS t (month, item_id, users)
        SELECT p.month, p.item_id, count(*)::integer
        FROM (SELECT DISTINCT date_trunc('month', n.occurred_at, 'UTC')::date AS month, n.user_id, n.item_id
              FROM pg_temp.stats_new_events AS n WHERE n.polarity >= 0) AS p
        WHERE NOT EXISTS (SELECT FROM pg_temp.stats_counted AS o
                          WHERE o.user_id = p.user_id AND o.item_id = p.item_id AND o.month = p.month)
        GROUP BY p.month, p.item_id
        ORDER BY p.month, p.item_id
        ON CONFLICT (month, item_id) DO UPDATE SET users = t.users + excluded.users;

        IF cardinality(v_dirty) > 0 THEN
            DELETE FROM pgrec.item_event_totals AS t WHERE t.item_id = ANY (v_dirty);
            INSERT INTO pgrec.item_event_totals
            SELECT * FROM rec._item_event_totals(v_run, v_dirty);
            DELETE FROM pgrec.item_month_users AS t WHERE t.item_id = ANY (v_dirty);
            INSERT INTO pgrec.item_month_users
            SELECT * FROM rec._item_month_users(v_run, v_dirty);
        END IF;
        v_detail := v_new || ' new events, ' || cardinality(v_dirty) || ' items with deleted events recomputed';
    END IF;

    -- From the totals, for the whole catalogue.
    DELETE FROM pgrec.item_stats;
    WITH scaled AS (
        SELECT t.*, greatest(t.weight, 0) AS engagement,
               greatest(ln(1 + greatest(t.recent, 0)) - ln(1 + greatest(t.previous, 0)), 0) AS speed
        FROM pgrec.item_event_totals AS t
    )
    INSERT INTO pgrec.item_stats (item_id, events, engagement, engagement_score, like_count, positive_users,
                                  popularity, velocity, last_event_at)
    SELECT s.item_id, s.events, s.engagement,
           coalesce(ln(1 + s.engagement) / nullif(max(ln(1 + s.engagement)) OVER (), 0), 0),
           s.likes, s.positive_users,
           coalesce(s.likes::float8 / nullif(max(s.likes) OVER (), 0), 0),
           coalesce(s.speed / nullif(max(s.speed) OVER (), 0), 0),
           s.last_event_at
    FROM scaled AS s;
    GET DIAGNOSTICS v_rows = ROW_COUNT;

    DELETE FROM pgrec.creator_stats;
    WITH per_item AS (
        SELECT i.creator_id, coalesce(s.engagement, 0) AS engagement
        FROM pgrec.items AS i
        LEFT JOIN pgrec.item_stats AS s ON s.item_id = i.id
        WHERE i.creator_id IS NOT NULL
    ),
    prior AS (
        SELECT coalesce(avg(p.engagement), 0) AS mean FROM per_item AS p
    ),
    per_creator AS (
        SELECT p.creator_id, count(*) AS items, sum(p.engagement) AS engagement,
               (sum(p.engagement) + 3 * min(pr.mean)) / (count(*) + 3) AS smoothed
        FROM per_item AS p CROSS JOIN prior AS pr
        GROUP BY p.creator_id
    )
    INSERT INTO pgrec.creator_stats (creator_id, items, engagement, score)
    SELECT c.creator_id, c.items, c.engagement,
           coalesce(ln(1 + c.smoothed) / nullif(max(ln(1 + c.smoothed)) OVER (), 0), 0)
    FROM per_creator AS c;
    GET DIAGNOSTICS v_more = ROW_COUNT;
    v_rows := v_rows + v_more;

    DELETE FROM pgrec.tag_top_items;
    INSERT INTO pgrec.tag_top_items (tag_id, rank, item_id)
    SELECT r.tag_id, r.rank, r.item_id
    FROM (SELECT t.tag_id, i.id AS item_id,
                 row_number() OVER (PARTITION BY t.tag_id
                                    ORDER BY coalesce(s.engagement_score, 0) DESC, i.created_at DESC, i.id) AS rank
          FROM pgrec.items AS i
          CROSS JOIN LATERAL unnest(i.tag_ids) AS t(tag_id)
          LEFT JOIN pgrec.item_stats AS s ON s.item_id = i.id
          WHERE pgrec.is_live(i.status, i.created_at, i.expires_at, v_run.as_of)) AS r
    WHERE r.rank <= 100;
    GET DIAGNOSTICS v_more = ROW_COUNT;
    v_rows := v_rows + v_more;

    DELETE FROM pgrec.monthly_top_items;
    INSERT INTO pgrec.monthly_top_items (month, items, users)
    SELECT r.month, array_agg(r.item_id ORDER BY r.rank), array_agg(r.users ORDER BY r.rank)
    FROM (SELECT m.month, m.item_id, m.users,
                 row_number() OVER (PARTITION BY m.month ORDER BY m.users DESC, m.item_id) AS rank
          FROM pgrec.item_month_users AS m) AS r
    WHERE r.rank <= 200
    GROUP BY r.month;
    GET DIAGNOSTICS v_more = ROW_COUNT;

    RETURN rec._refresh_save(v_run, v_detail, v_rows + v_more);
END;
$$;
COMMENT ON FUNCTION rec._refresh_stats(boolean) IS
'Refresh step stats: pgrec.item_stats, pgrec.creator_stats, pgrec.tag_top_items and pgrec.monthly_top_items, from additive per-item totals updated with the events since the last run (or rebuilt from all events when p_full). Returns rows written.';
