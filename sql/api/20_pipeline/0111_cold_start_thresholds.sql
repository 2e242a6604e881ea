-- When a user has enough data for the personal strategies: any one of these suffices. Below
-- all three, rec.feed serves the cold_start blend and rec.status asks for onboarding. One
-- place, so rec.status reports exactly what rec.feed decides with.
CREATE FUNCTION rec._cold_start_thresholds(OUT preferred_tags integer, OUT events integer, OUT positive_events integer)
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT 3, 10, 5;
$$;
COMMENT ON FUNCTION rec._cold_start_thresholds() IS
'Internal: personalisation needs >= 3 preferred tags, or >= 10 events, or >= 5 positive events.';
