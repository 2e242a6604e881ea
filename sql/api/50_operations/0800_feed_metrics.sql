-- How the feeds are doing, from what they served (pgrec.impressions, logged by the HTTP feed
-- endpoint or the application through rec.log_impressions) and what users did next:
--   SELECT * FROM rec.feed_metrics('7 days');           -- one row per strategy, then the total
--
-- As of rec.now(), over the impressions served in the last `window`:
--   impressions  rows of pgrec.impressions; users: distinct users they were served to
--   clicks       impressions followed by a positive event (effective polarity > 0: click, like,
--                save, share, apply, complete, a good rating) on the same item by the same user
--                within `attribution`; each event belongs to the latest impression of that item
--                to that user at or before it, as in rec.experiment_report, so nothing counts
--                twice and an impression counts once however many events follow it
--   applies, saves  impressions followed in the same way by an apply, a save
--   ctr, apply_rate, save_rate  those over impressions (NULL without impressions)
--   personalized_users  served users for whom the strategy personalises now: a personal
--                strategy (pgrec.strategies.personalized; a strategy no longer defined counts as
--                personal), personalisation switched on, and enough data by the thresholds of
--                rec._cold_start_thresholds (the same test rec.feed applies); coverage is their
--                share of `users`. The test is of the users' data now, not at serving time.
--   items_shown, catalogue_coverage  distinct items served, and their share of live items
-- strategy is the logged strategy (NULL: the installation's blend, asked for without one); the
-- last row (total = true) counts every impression once.
CREATE FUNCTION rec.feed_metrics("window" interval DEFAULT '7 days', attribution interval DEFAULT '24 hours')
RETURNS TABLE (strategy text, total boolean, users bigint, impressions bigint, clicks bigint, ctr double precision,
               applies bigint, apply_rate double precision, saves bigint, save_rate double precision,
               personalized_users bigint, coverage double precision, items_shown bigint,
               catalogue_coverage double precision)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_now    constant timestamptz := rec.now();
    v_window interval := feed_metrics."window";
    v_after  interval := feed_metrics.attribution;
    v_limits record;
    v_live   bigint;
BEGIN
    -- The window is read through the BRIN index on served_at; a year bounds the scan.
    PERFORM rec._check_interval('window', v_window, interval '1 hour', interval '365 days');
    PERFORM rec._check_interval('attribution', v_after, interval '0', interval '30 days', p_min_exclusive => true);
    SELECT * INTO v_limits FROM rec._cold_start_thresholds();
    SELECT count(*) INTO v_live FROM pgrec.items AS i WHERE pgrec.is_live(i.status, i.created_at, i.expires_at, v_now);

    RETURN QUERY
    WITH shown AS MATERIALIZED (
        SELECT s.id, s.user_id, s.item_id, s.served_at, s.strategy
        FROM pgrec.impressions AS s
        WHERE s.served_at > v_now - v_window AND s.served_at <= v_now
    ),
    followed AS MATERIALIZED (
        SELECT s.id, bool_or(x.type = 'apply') AS applied, bool_or(x.type = 'save') AS saved
        FROM shown AS s
        JOIN rec._impression_events(v_now - v_window, v_now, v_after, v_now) AS x ON x.impression_id = s.id
        GROUP BY s.id
    ),
    -- Enough data to personalise: any one threshold (a bounded count per user).
    served_users AS MATERIALIZED (
        SELECT u.id AS user_id,
               u.personalization
               AND ((SELECT count(*) FROM pgrec.user_tags AS ut WHERE ut.user_id = u.id AND NOT ut.blocked)
                        >= v_limits.preferred_tags
                    OR (SELECT count(*) FROM (SELECT FROM pgrec.events AS e
                                              WHERE e.user_id = u.id AND e.occurred_at <= v_now
                                              LIMIT v_limits.events) AS x) >= v_limits.events
                    OR (SELECT count(*) FROM (SELECT FROM pgrec.weighted_events AS e
                                              WHERE e.user_id = u.id AND e.occurred_at <= v_now AND e.polarity > 0
                                              LIMIT v_limits.positive_events) AS x) >= v_limits.positive_events) AS enough
        FROM pgrec.users AS u
        WHERE u.id IN (SELECT s.user_id FROM shown AS s)
    ),
    rows AS (
        SELECT s.strategy, s.user_id, s.item_id, f.id IS NOT NULL AS clicked,
               coalesce(f.applied, false) AS applied, coalesce(f.saved, false) AS saved,
               su.enough AND coalesce(st.personalized, true) AS personal
        FROM shown AS s
        LEFT JOIN followed AS f ON f.id = s.id
        JOIN served_users AS su ON su.user_id = s.user_id
        LEFT JOIN pgrec.strategies AS st ON st.name = s.strategy
    )
    SELECT CASE WHEN grouping(r.strategy) = 0 THEN r.strategy END, grouping(r.strategy) = 1,
           count(DISTINCT r.user_id), count(*),
           count(*) FILTER (WHERE r.clicked), (count(*) FILTER (WHERE r.clicked))::float8 / nullif(count(*), 0),
           count(*) FILTER (WHERE r.applied), (count(*) FILTER (WHERE r.applied))::float8 / nullif(count(*), 0),
           count(*) FILTER (WHERE r.saved), (count(*) FILTER (WHERE r.saved))::float8 / nullif(count(*), 0),
           count(DISTINCT r.user_id) FILTER (WHERE r.personal),
           (count(DISTINCT r.user_id) FILTER (WHERE r.personal))::float8 / nullif(count(DISTINCT r.user_id), 0),
           count(DISTINCT r.item_id), count(DISTINCT r.item_id)::float8 / nullif(v_live, 0)
    FROM rows AS r
    GROUP BY GROUPING SETS ((r.strategy), ())
    ORDER BY grouping(r.strategy), count(*) DESC, r.strategy COLLATE "C" NULLS FIRST;
END;
$$;
COMMENT ON FUNCTION rec.feed_metrics(interval, interval) IS
'Per logged strategy and in total, over the impressions of the last `window`: users, impressions, clicks and CTR, applies and apply rate, saves and save rate (events within `attribution`, each for the latest impression before it), personalised users and coverage (their share of served users), items shown and catalogue coverage.';
