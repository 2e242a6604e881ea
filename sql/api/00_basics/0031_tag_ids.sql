-- Tag names to sorted tag ids. With p_create, unknown tags are created (upserts); without,
-- they are skipped (filters such as rec.trending(tags => ...) must not create tags).
CREATE FUNCTION rec._tag_ids(p_names text[], p_create boolean DEFAULT false)
RETURNS integer[]
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_create THEN
        INSERT INTO pgrec.tags (kind, value)
        SELECT DISTINCT p.kind, p.value
        FROM unnest(p_names) AS n(name)
        CROSS JOIN LATERAL rec._parse_tag(n.name) AS p
        WHERE p.value <> ''
        ON CONFLICT (kind, value) DO NOTHING;
    END IF;
    RETURN (
        SELECT coalesce(array_agg(DISTINCT t.id ORDER BY t.id), '{}')
        FROM unnest(p_names) AS n(name)
        CROSS JOIN LATERAL rec._parse_tag(n.name) AS p
        JOIN pgrec.tags t ON t.kind = p.kind AND t.value = p.value
    );
END;
$$;
COMMENT ON FUNCTION rec._tag_ids(text[], boolean) IS 'Internal: tag names to sorted tag ids, creating unknown tags when p_create.';
