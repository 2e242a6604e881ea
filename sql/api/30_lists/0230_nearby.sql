-- Live items within radius_km of a point: the list pipeline with the point as anchor and the
-- radius as a hard limit, strategy 'nearby' by default:
--   0.7 location (exp(-3 d / radius): 1 on the spot, 0.05 at the edge) + 0.3 engagement
--   + 0.35 tags (the user's tag interests), rescaled to sum to 1: 0.52 / 0.22 / 0.26 with
--   interests, 0.7 / 0.3 without
-- With user_id, the user's own items, items they dismissed and items with a blocked tag are
-- left out (policy 'undismissed'); the radius is the caller's (a user's max_distance_km is for
-- the feed). Candidates: the 300 live located items nearest to the point, walked in
-- k-nearest-neighbour order on the GiST index (date line and poles handled), so the cost stays
-- flat however dense the area, plus the most engaging items that fall inside the radius.
CREATE FUNCTION rec.nearby(lat double precision, lon double precision, radius_km double precision DEFAULT 10,
                           n integer DEFAULT 20, user_id text DEFAULT NULL, strategy text DEFAULT 'nearby',
                           filter jsonb DEFAULT NULL)
RETURNS SETOF rec.ranked_item
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF lat IS NULL OR lon IS NULL OR radius_km IS NULL THEN
        RAISE EXCEPTION 'lat, lon and radius_km must not be null' USING ERRCODE = '22004';
    END IF;
    IF NOT (lat BETWEEN -90 AND 90) OR NOT (lon BETWEEN -180 AND 180) THEN
        RAISE EXCEPTION 'coordinates out of range: lat %, lon %', lat, lon
            USING ERRCODE = '22023', HINT = 'lat is -90..90 and lon -180..180, in degrees (WGS 84).';
    END IF;
    -- The cap keeps one call from ranking a continent; "nearby" beyond 500 km is a search.
    IF NOT (radius_km > 0 AND radius_km <= 500) THEN
        RAISE EXCEPTION 'radius_km must be greater than 0 and at most 500, got %', radius_km
            USING ERRCODE = '22023';
    END IF;
    PERFORM rec._check_page(n, 0);
    IF user_id IS NOT NULL THEN
        PERFORM rec._check_id('user_id', user_id);
    END IF;
    RETURN QUERY SELECT * FROM rec._ranked_list(rec._list_context(
        'nearby', strategy, NULL, user_id, n, 0, p_lat => lat, p_lon => lon, p_reach_km => radius_km, p_filter => filter));
END;
$$;
COMMENT ON FUNCTION rec.nearby(double precision, double precision, double precision, integer, text, text, jsonb) IS
'Live items within radius_km (0 < r <= 500) of (lat, lon): (item_id, score, reasons) best first. Distance decay blended with engagement, plus tag interests with a user (strategy nearby). Bad coordinates or radius: 22023.';
