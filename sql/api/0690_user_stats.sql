-- Activity figures for achievements (events by type, active days, streaks, first and last
-- activity); computed by rec._user_stats (0685), documented there.
CREATE FUNCTION rec.user_stats(user_id text)
RETURNS TABLE (user_id text, events bigint, by_type jsonb, active_days integer, current_streak integer,
               longest_streak integer, first_at timestamptz, last_at timestamptz)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
    SELECT * FROM rec._user_stats($1);
$$;
COMMENT ON FUNCTION rec.user_stats(text) IS
'Activity of a user for achievements: events, by_type {type: count}, active_days, current_streak and longest_streak (calendar days in the session TimeZone), first_at, last_at. Unknown user: one row of zeros.';
