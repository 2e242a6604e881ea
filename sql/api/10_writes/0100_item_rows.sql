-- A validated items batch as typed rows, plus which keys each element carried so updates
-- can tell "left out" (keep) from "null" (clear). Tag names become ids through p_tag_ids
-- ({"name as sent": id}, built by the caller): a pure function of its arguments, so the
-- statements that write items from it read no other table (on Citus they run on every copy).
CREATE FUNCTION rec._item_rows(p_items jsonb, p_tag_ids jsonb)
RETURNS TABLE (external_id text, keys text[], title text, description text, tag_ids integer[],
               creator_id text, created_at timestamptz, lat double precision, lon double precision,
               price numeric, attributes jsonb, status text, expires_at timestamptz)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT e ->> 'id',
           ARRAY(SELECT jsonb_object_keys(e)),
           e ->> 'title',
           e ->> 'description',
           (SELECT coalesce(array_agg(DISTINCT (p_tag_ids ->> n.name)::integer ORDER BY (p_tag_ids ->> n.name)::integer)
                             FILTER (WHERE p_tag_ids ? n.name), '{}')
            FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(e -> 'tags') = 'array' THEN e -> 'tags' END) AS n(name)),
           e ->> 'creator_id',
           (e ->> 'created_at')::timestamptz,
           (e -> 'location' ->> 'lat')::float8,
           (e -> 'location' ->> 'lon')::float8,
           (e ->> 'price')::numeric,
           CASE WHEN jsonb_typeof(e -> 'attributes') = 'object' THEN e -> 'attributes' END,
           e ->> 'status',
           (e ->> 'expires_at')::timestamptz
    FROM jsonb_array_elements(p_items) AS e;
$$;
COMMENT ON FUNCTION rec._item_rows(jsonb, jsonb) IS 'Internal: a validated items batch as typed rows with the keys each element carried.';
