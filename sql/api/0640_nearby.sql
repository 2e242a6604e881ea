-- Live items within radius_km of a point, ranked by
--   0.7 * distance (exp(-3 d / radius): 1 on the spot, 0.05 at the edge)
--   + 0.3 * engagement (pgrec.item_stats.engagement_score, 0..1)
-- and, with a user who has tag interests and personalisation on,
--   0.55 * distance + 0.2 * engagement + 0.25 * preference (tag affinity, 0..1 relative to
--   the best candidate).
-- With user_id, the user's own items, items they dismissed and items with a blocked tag are
-- left out; the radius is the caller's (a user's max_distance_km is for the feed).
--
-- Candidates, so that the cost stays flat however dense the area: the 300 live items nearest
-- to the point, walked in k-nearest-neighbour order on the GiST index items_live_location
-- (planar distance in degrees only picks the pool; the walk is repeated across the date line,
-- and around a pole the whole polar band is read). Exact great-circle distances then filter
-- the pool by the radius and rank it: in a dense area an engaging item farther away than the
-- 300 nearest is not considered.
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
    v_user   record;
    v_pool   constant integer := 300;
    v_km_per_degree constant double precision := 111.195;  -- one degree of latitude
    v_dlon   double precision;
    v_center point;
    v_mirror point;              -- the centre shifted by 360 degrees when the circle crosses the date line
    v_polar  box;                -- the latitude band around a pole the circle reaches
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
    v_dlon := radius_km / (v_km_per_degree * greatest(cos(radians(nearby.lat)), 1e-9));
    IF nearby.lon + v_dlon > 180 THEN
        v_mirror := point(nearby.lon - 360, nearby.lat);
    ELSIF nearby.lon - v_dlon < -180 THEN
        v_mirror := point(nearby.lon + 360, nearby.lat);
    END IF;
    IF abs(nearby.lat) + radius_km / v_km_per_degree >= 90 THEN
        v_polar := box(point(-180, CASE WHEN nearby.lat > 0 THEN nearby.lat - radius_km / v_km_per_degree ELSE -90 END),
                       point(180, CASE WHEN nearby.lat > 0 THEN 90 ELSE nearby.lat + radius_km / v_km_per_degree END));
    END IF;
    IF v_user.personal AND v_user.interest <> '{}' THEN
        v_wd := 0.55; v_we := 0.2; v_wp := 0.25;
    ELSE
        v_wd := 0.7; v_we := 0.3; v_wp := 0;
    END IF;

    RETURN QUERY
    WITH dismissed AS (
        SELECT DISTINCT e.item_id AS id
        FROM pgrec.weighted_events AS e
        WHERE e.user_id = v_user.id AND e.polarity < 0 AND e.occurred_at <= v_now
    ),
    live AS NOT MATERIALIZED (
        SELECT i.id, i.external_id, i.tag_ids, i.creator_id, i.lat, i.lon
        FROM pgrec.items AS i
        WHERE i.status = 'active'
          AND i.lat IS NOT NULL
          AND i.created_at <= v_now
          AND (i.expires_at IS NULL OR i.expires_at > v_now)
    ),
    nearest AS (
        -- k-nearest-neighbour walks of the GiST index that stop after v_pool live items,
        -- however many the circle holds; planar degrees only pick the pool. Across the date
        -- line the walk is repeated from the centre shifted by 360 degrees; around a pole,
        -- where longitudes converge, the polar band is read as well (up to 10 pools).
        SELECT DISTINCT ON (p.id) p.*, pgrec.haversine_km(nearby.lat, nearby.lon, p.lat, p.lon) AS km
        FROM ((SELECT * FROM live AS l ORDER BY point(l.lon, l.lat) <-> v_center LIMIT v_pool)
              UNION ALL
              (SELECT * FROM live AS l WHERE v_mirror IS NOT NULL ORDER BY point(l.lon, l.lat) <-> v_mirror LIMIT v_pool)
              UNION ALL
              (SELECT * FROM live AS l WHERE point(l.lon, l.lat) <@ v_polar LIMIT 10 * v_pool)) AS p
    ),
    inside AS (
        SELECT c.id, c.external_id, c.tag_ids, c.km
        FROM nearest AS c
        WHERE c.km <= radius_km
          AND NOT c.tag_ids && v_user.blocked
          AND (nearby.user_id IS NULL OR c.creator_id IS DISTINCT FROM nearby.user_id)
          AND NOT EXISTS (SELECT FROM dismissed AS x WHERE x.id = c.id)
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
