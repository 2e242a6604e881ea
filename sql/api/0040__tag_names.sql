CREATE FUNCTION rec._tag_names(p_ids integer[])
RETURNS text[]
LANGUAGE sql
STABLE
SET search_path = pg_catalog
AS $$
    SELECT coalesce(array_agg(t.name ORDER BY t.name), '{}')
    FROM pgrec.tags t
    WHERE t.id = ANY (p_ids);
$$;
COMMENT ON FUNCTION rec._tag_names(integer[]) IS 'Internal: tag ids to their client spelling (kind:value), sorted.';
