-- Great-circle distance in kilometres between two points given in degrees (mean Earth radius
-- 6371.0088 km; the spherical error, under 0.5%, is far below what a "nearby" list can notice).
--
-- It lives in pgrec rather than rec because indexes, matviews and other data objects may
-- call it, and rec is re-created whenever its code changes. A SQL-standard body binds its
-- names at creation (no search_path games) and, with no SET clause, the planner inlines it.
CREATE FUNCTION pgrec.haversine_km(lat1 double precision, lon1 double precision,
                                   lat2 double precision, lon2 double precision)
RETURNS double precision
LANGUAGE sql
IMMUTABLE STRICT PARALLEL SAFE
-- least(1, ...): rounding can push the argument of asin a hair above 1 for antipodes.
RETURN 2 * 6371.0088 * asin(least(1::double precision, sqrt(
           sin(radians(lat2 - lat1) / 2) ^ 2
           + cos(radians(lat1)) * cos(radians(lat2)) * sin(radians(lon2 - lon1) / 2) ^ 2)));
COMMENT ON FUNCTION pgrec.haversine_km(double precision, double precision, double precision, double precision) IS
'Great-circle distance in km between (lat1, lon1) and (lat2, lon2), in degrees.';
