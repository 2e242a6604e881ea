-- How much of a user's tag interest an item carries: the sum of the interest weights of its
-- tags (0 when none match). Callers scale it by the best candidate to get 0..1.
CREATE FUNCTION rec._tag_affinity(p_interest jsonb, p_tag_ids integer[])
RETURNS double precision
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog
AS $$
    SELECT coalesce(sum((p_interest ->> t.id::text)::double precision), 0)
    FROM unnest(p_tag_ids) AS t(id)
    WHERE p_interest <> '{}';
$$;
COMMENT ON FUNCTION rec._tag_affinity(jsonb, integer[]) IS 'Internal: sum of a user''s interest weights over an item''s tags.';
