-- Jaccard similarity of two tag-id sets: |a ∩ b| / |a ∪ b|, 0 when either is empty. Item tag
-- arrays are stored sorted and without duplicates (rec._tag_ids), which this relies on.
CREATE FUNCTION rec._jaccard(p_a integer[], p_b integer[])
RETURNS double precision
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog
AS $$
    SELECT CASE WHEN cardinality(p_a) = 0 OR cardinality(p_b) = 0 THEN 0
                ELSE inter::double precision / (cardinality(p_a) + cardinality(p_b) - inter) END
    FROM (SELECT count(*) AS inter FROM unnest(p_a) AS x(id) WHERE x.id = ANY (p_b)) AS c;
$$;
COMMENT ON FUNCTION rec._jaccard(integer[], integer[]) IS 'Internal: Jaccard similarity of two sorted, distinct tag-id arrays.';
