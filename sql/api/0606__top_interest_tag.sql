-- The item tag the user cares most about, for a human-readable reason ("matches your interest
-- in tool:figma"); NULL when none of its tags interests them.
CREATE FUNCTION rec._top_interest_tag(p_interest jsonb, p_tag_ids integer[])
RETURNS text
LANGUAGE sql
STABLE
SET search_path = pg_catalog
AS $$
    SELECT t.name
    FROM unnest(p_tag_ids) AS x(id)
    JOIN pgrec.tags AS t ON t.id = x.id
    WHERE (p_interest ->> x.id::text)::double precision > 0
    ORDER BY (p_interest ->> x.id::text)::double precision DESC, t.name
    LIMIT 1;
$$;
COMMENT ON FUNCTION rec._top_interest_tag(jsonb, integer[]) IS 'Internal: name of the item tag with the highest interest weight, or NULL.';
