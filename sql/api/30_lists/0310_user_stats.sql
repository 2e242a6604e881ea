-- Activity figures for achievements and profile pages: events by type, active days and
-- streaks, first and last activity. Days are calendar days in the session's TimeZone
-- (SET TimeZone = 'Europe/Paris' for a local streak). The current streak counts consecutive
-- active days up to today, or up to yesterday when today has no activity yet (a streak is
-- not lost before the day is over). A user pgrec does not know yet gets one row of zeros:
-- the host app asks before the first event as well as after.
--
-- Cost: an index-only scan of the user's events (events_user_time covers user, time, type).
-- The body is rec._user_stats: a PL/pgSQL function cannot have a parameter named like one of
-- its output columns (user_id), so the public function is a one-line SQL wrapper.
CREATE FUNCTION rec._user_stats(p_user_id text)
RETURNS TABLE (user_id text, events bigint, by_type jsonb, active_days integer, current_streak integer,
               longest_streak integer, first_at timestamptz, last_at timestamptz)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_now   constant timestamptz := rec.now();
    v_today constant date := v_now::date;
    v_uid   bigint;
BEGIN
    PERFORM rec._check_id('user_id', p_user_id);
    v_uid := rec._user_id(p_user_id);

    RETURN QUERY
    WITH mine AS (
        SELECT e.type, e.occurred_at
        FROM pgrec.events AS e
        WHERE e.user_id = v_uid AND e.occurred_at <= v_now
    ),
    days AS (
        SELECT DISTINCT m.occurred_at::date AS day FROM mine AS m
    ),
    islands AS (
        -- Consecutive days share day - row_number: a gaps-and-islands run per streak.
        SELECT min(d.day) AS first_day, max(d.day) AS last_day, count(*)::integer AS length
        FROM (SELECT day, day - (row_number() OVER (ORDER BY day))::integer AS island FROM days) AS d
        GROUP BY d.island
    )
    SELECT p_user_id,
           (SELECT count(*) FROM mine),
           (SELECT coalesce(jsonb_object_agg(t.type, t.n ORDER BY t.type), '{}')
            FROM (SELECT m.type, count(*) AS n FROM mine AS m GROUP BY m.type) AS t),
           (SELECT count(*)::integer FROM days),
           coalesce((SELECT i.length FROM islands AS i WHERE i.last_day >= v_today - 1), 0),
           coalesce((SELECT max(i.length) FROM islands AS i), 0),
           (SELECT min(m.occurred_at) FROM mine AS m),
           (SELECT max(m.occurred_at) FROM mine AS m);
END;
$$;
COMMENT ON FUNCTION rec._user_stats(text) IS 'Internal: the body of rec.user_stats.';

CREATE FUNCTION rec.user_stats(user_id text)
RETURNS TABLE (user_id text, events bigint, by_type jsonb, active_days integer, current_streak integer,
               longest_streak integer, first_at timestamptz, last_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT * FROM rec._user_stats($1);
$$;
COMMENT ON FUNCTION rec.user_stats(text) IS
'Activity of a user for achievements: events, by_type {type: count}, active_days, current_streak and longest_streak (calendar days in the session TimeZone), first_at, last_at. Unknown user: one row of zeros.';
