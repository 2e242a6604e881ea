-- Great-circle distance in kilometres between two points given in degrees (mean Earth radius
-- 6371.0088 km; the spherical error, under 0.5%, is far below what a "nearby" list can notice).
-- No SET clause, so the planner inlines it.
CREATE FUNCTION rec._haversine_km(lat1 double precision, lon1 double precision,
                                  lat2 double precision, lon2 double precision)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    -- least(1, ...): rounding can push the argument of asin a hair above 1 for antipodes.
    SELECT 2 * 6371.0088 * pg_catalog.asin(least(1::double precision, pg_catalog.sqrt(
               pg_catalog.sin(pg_catalog.radians(lat2 - lat1) / 2) ^ 2
               + pg_catalog.cos(pg_catalog.radians(lat1)) * pg_catalog.cos(pg_catalog.radians(lat2))
                 * pg_catalog.sin(pg_catalog.radians(lon2 - lon1) / 2) ^ 2)));
$$;
COMMENT ON FUNCTION rec._haversine_km(double precision, double precision, double precision, double precision) IS
'Internal: great-circle distance in km between (lat1, lon1) and (lat2, lon2), in degrees.';
