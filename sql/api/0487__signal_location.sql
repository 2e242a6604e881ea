-- Signal "location": exp(-d / (reach / 3)) for an item d km away, reach the user's
-- max_distance_km (or 50 km when they set none): 1 next door, 0.37 at a third of the reach,
-- 0.05 at the edge. Items beyond a declared max distance are excluded (rec._feed_scores);
-- items without a location (online) score 0. The distance is pgrec.haversine_km.
CREATE FUNCTION rec._signal_location(p_distance_km double precision, p_max_distance_km double precision)
RETURNS double precision
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
    SELECT coalesce(pg_catalog.exp(greatest(-p_distance_km / (coalesce(p_max_distance_km, 50) / 3), -700)), 0);
$$;
COMMENT ON FUNCTION rec._signal_location(double precision, double precision) IS
'Internal signal "location": exp(-distance / (max_distance / 3)), max_distance 50 km by default; 0 without a location.';
