-- Live items within radius_km of a point, ranked by
--   0.7 * distance (exp(-3 d / radius): 1 on the spot, 0.05 at the edge)
--   + 0.3 * engagement (pgrec.item_stats.engagement_score, 0..1)
-- and, with a user who has tag interests and personalisation on,
--   0.55 * distance + 0.2 * engagement + 0.25 * preference (tag affinity, 0..1 relative to
--   the best candidate).
-- With user_id, the user's own items, items they dismissed and items with a blocked tag are
-- left out; the radius is the caller's (a user's max_distance_km is for the feed).
--
-- Candidates, so that the cost stays flat however dense the area: the 500 live items nearest
-- to the point (GiST index items_live_location, k-nearest-neighbour order) and the 200 most
-- engaging live items in the circle's bounding box (the box spans all longitudes near the
-- poles or across the date line). Exact great-circle distances are computed for those only.
CREATE FUNCTION rec.nearby(lat double precision, lon double precision, radius_km double precision DEFAULT 10,
                           n integer DEFAULT 20, user_id text DEFAULT NULL)
RETURNS TABLE (item_id text, score double precision, reasons jsonb)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
#variable_conflict use_column
DECLARE
    v_now    constant timestamptz := rec.now();
    v_km_per_degree constant double precision := 111.195;  -- one degree of latitude
    v_user   record;
    v_dlat   double precision;
    v_dlon   double precision;
    v_box    box;
    v_center point;
    v_wd     double precision;   -- weights of distance, engagement, preference
    v_we     double precision;
    v_wp     double precision;
BEGIN
    IF nearby.lat IS NULL OR nearby.lon IS NULL OR radius_km IS NULL THEN
        RAISE EXCEPTION 'lat, lon and radius_km must not be null' USING ERRCODE = '22004';
    END IF;
    IF nearby.lat NOT BETWEEN -90 AND 90 OR nearby.lon NOT BETWEEN -180 AND 180 THEN
        RAISE EXCEPTION 'coordinates out of range: lat %, lon %', nearby.lat, nearby.lon
            USING ERRCODE = '22023', HINT = 'lat is -90..90 and lon -180..180, in degrees (WGS 84).';
    END IF;
    -- The cap keeps one call from ranking a continent; "nearby" beyond 500 km is a search.
    IF NOT (radius_km > 0 AND radius_km <= 500) THEN
        RAISE EXCEPTION 'radius_km must be greater than 0 and at most 500, got %', radius_km
            USING ERRCODE = '22023';
    END IF;
    PERFORM rec._check_page(n, 0);
    SELECT * INTO v_user FROM rec._user_context(nearby.user_id, v_now);

    v_center := point(nearby.lon, nearby.lat);
    v_dlat := radius_km / v_km_per_degree;
    v_dlon := radius_km / (v_km_per_degree * cos(radians(nearby.lat)));
    IF abs(nearby.lat) + v_dlat >= 90 OR nearby.lon - v_dlon < -180 OR nearby.lon + v_dlon > 180 OR v_dlon >= 180 THEN
        -- The circle reaches a pole or crosses the date line: keep every longitude.
        v_box := box(point(-180, greatest(nearby.lat - v_dlat, -90)), point(180, least(nearby.lat + v_dlat, 90)));
    ELSE
        v_box := box(point(nearby.lon - v_dlon, nearby.lat - v_dlat), point(nearby.lon + v_dlon, nearby.lat + v_dlat));
    END IF;

    IF v_user.personal AND v_user.interest <> '{}' THEN
        v_wd := 0.55; v_we := 0.2; v_wp := 0.25;
    ELSE
        v_wd := 0.7; v_we := 0.3; v_wp := 0;
    END IF;

    RETURN QUERY
    WITH nearest AS (
        SELECT i.id
        FROM pgrec.items AS i
        WHERE point(i.lon, i.lat) <@ v_box
          AND i.status = 'active'
          AND i.lat IS NOT NULL
          AND i.created_at <= v_now
          AND (i.expires_at IS NULL OR i.expires_at > v_now)
        ORDER BY point(i.lon, i.lat) <-> v_center
        LIMIT 500
    ),
    engaging AS (
        SELECT i.id
        FROM pgrec.item_stats AS s
        JOIN pgrec.items AS i ON i.id = s.item_id
        WHERE point(i.lon, i.lat) <@ v_box
          AND i.status = 'active'
          AND i.lat IS NOT NULL
          AND i.created_at <= v_now
          AND (i.expires_at IS NULL OR i.expires_at > v_now)
        ORDER BY s.engagement_score DESC, s.item_id
        LIMIT 200
    ),
    dismissed AS (
        SELECT DISTINCT e.item_id AS id
        FROM pgrec.weighted_events AS e
        WHERE e.user_id = v_user.id AND e.polarity < 0 AND e.occurred_at <= v_now
    ),
    inside AS (
        SELECT i.id, i.external_id, i.tag_ids, d.km
        FROM (SELECT id FROM nearest UNION SELECT id FROM engaging) AS c
        JOIN pgrec.items AS i ON i.id = c.id
        CROSS JOIN LATERAL (SELECT pgrec.haversine_km(nearby.lat, nearby.lon, i.lat, i.lon) AS km) AS d
        WHERE d.km <= radius_km
          AND NOT i.tag_ids && v_user.blocked
          AND (nearby.user_id IS NULL OR i.creator_id IS DISTINCT FROM nearby.user_id)
          AND NOT EXISTS (SELECT FROM dismissed AS x WHERE x.id = i.id)
    ),
    interest AS (
        SELECT key::integer AS tag_id, value::double precision AS weight FROM jsonb_each_text(v_user.interest)
    ),
    affinity AS (
        SELECT c.id, sum(it.weight) AS raw
        FROM inside AS c
        CROSS JOIN LATERAL unnest(c.tag_ids) AS t(id)
        JOIN interest AS it ON it.tag_id = t.id
        WHERE v_wp > 0
        GROUP BY c.id
    ),
    terms AS (
        SELECT c.*,
               v_wd * exp(-3 * c.km / radius_km) AS distance,
               v_we * coalesce(s.engagement_score, 0) AS engagement,
               v_wp * coalesce(a.raw / nullif(max(a.raw) OVER (), 0), 0) AS preference
        FROM inside AS c
        LEFT JOIN pgrec.item_stats AS s ON s.item_id = c.id
        LEFT JOIN affinity AS a ON a.id = c.id
    ),
    top AS (
        SELECT t.*, t.distance + t.engagement + t.preference AS total
        FROM terms AS t
        ORDER BY t.distance + t.engagement + t.preference DESC, t.external_id
        LIMIT nearby.n
    )
    SELECT r.external_id,
           r.total,
           jsonb_build_object(
               'terms', jsonb_strip_nulls(jsonb_build_object(
                   'distance', r.distance, 'engagement', r.engagement,
                   'preference', CASE WHEN v_wp > 0 THEN r.preference END)),
               'distance_km', round(r.km::numeric, 3),
               'reasons', to_jsonb(array_remove(ARRAY[
                   CASE WHEN r.km < 1 THEN format('%s m away', round(r.km * 1000))
                        ELSE format('%s km away', round(r.km::numeric, 1)) END,
                   CASE WHEN r.engagement > 0.6 * v_we THEN 'popular' END,
                   CASE WHEN r.preference > 0.5 * v_wp AND v_wp > 0
                        THEN 'matches your interest in ' || rec._top_interest_tag(v_user.interest, r.tag_ids) END], NULL)))
    FROM top AS r
    ORDER BY r.total DESC, r.external_id;
END;
$$;
COMMENT ON FUNCTION rec.nearby(double precision, double precision, double precision, integer, text) IS
'Live items within radius_km (0 < r <= 500) of (lat, lon): (item_id, score, reasons with distance_km) best first. Distance decay blended with engagement, plus tag preference with a user. Bad coordinates or radius: 22023.';
