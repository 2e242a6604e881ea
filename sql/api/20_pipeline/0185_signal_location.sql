-- Signal "location": exp(-d / (reach / 3)) for an item d km from the anchor point, reach the
-- user's max_distance_km (50 km when they set none) or the radius of rec.nearby: 1 next door,
-- 0.37 at a third of the reach, 0.05 at its edge. Items without a location (online) score 0.
CREATE FUNCTION rec._signal_location(p_distance_km double precision, p_reach_km double precision)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT coalesce(rec._decay(p_distance_km / (p_reach_km / 3)), 0);
$$;
COMMENT ON FUNCTION rec._signal_location(double precision, double precision) IS
'Internal signal "location": exp(-distance / (reach / 3)); 0 without a location.';
