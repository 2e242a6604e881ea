-- A validated users batch as typed rows, plus which keys each element (and its preferences)
-- carried, so updates can tell "left out" (keep) from "null" (clear).
CREATE FUNCTION rec._user_rows(p_users jsonb)
RETURNS TABLE (external_id text, keys text[], pref_keys text[], created_at timestamptz,
               lat double precision, lon double precision, attributes jsonb,
               max_distance_km double precision, price_min numeric, price_max numeric,
               personalization boolean, preferred jsonb, blocked jsonb)
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT e ->> 'id',
           ARRAY(SELECT jsonb_object_keys(e)),
           CASE WHEN jsonb_typeof(e -> 'preferences') = 'object'
                THEN ARRAY(SELECT jsonb_object_keys(e -> 'preferences')) ELSE '{}' END,
           (e ->> 'created_at')::timestamptz,
           (e -> 'location' ->> 'lat')::float8,
           (e -> 'location' ->> 'lon')::float8,
           CASE WHEN jsonb_typeof(e -> 'attributes') = 'object' THEN e -> 'attributes' END,
           (e -> 'preferences' ->> 'max_distance_km')::float8,
           (e -> 'preferences' ->> 'price_min')::numeric,
           (e -> 'preferences' ->> 'price_max')::numeric,
           (e -> 'preferences' ->> 'personalization')::boolean,
           -- preferred_tags as an object {"tag": weight}; a plain list means weight 1 each.
           CASE jsonb_typeof(e -> 'preferences' -> 'preferred_tags')
                WHEN 'object' THEN e -> 'preferences' -> 'preferred_tags'
                WHEN 'array' THEN (SELECT coalesce(jsonb_object_agg(t, 1), '{}')
                                   FROM jsonb_array_elements_text(e -> 'preferences' -> 'preferred_tags') AS t)
                ELSE '{}' END,
           CASE WHEN jsonb_typeof(e -> 'preferences' -> 'blocked_tags') = 'array'
                THEN e -> 'preferences' -> 'blocked_tags' ELSE '[]' END
    FROM jsonb_array_elements(p_users) AS e;
$$;
COMMENT ON FUNCTION rec._user_rows(jsonb) IS 'Internal: a validated users batch as typed rows with the keys each element carried.';
