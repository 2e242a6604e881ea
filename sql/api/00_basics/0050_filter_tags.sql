-- A tags filter argument (rec.trending, rec.latest) as tag ids: NULL means no filter. Tags
-- nobody uses yet give no ids, so the filter then matches nothing, which is the honest answer
-- (and a filter never creates tags).
CREATE FUNCTION rec._filter_tags(p_tags text[])
RETURNS integer[]
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_tags IS NULL THEN
        RETURN NULL;
    END IF;
    IF cardinality(p_tags) > 50 THEN
        RAISE EXCEPTION 'tags has % elements; the limit is 50', cardinality(p_tags)
            USING ERRCODE = '22023', HINT = 'Filter on fewer tags (an item matches when it carries any of them).';
    END IF;
    IF EXISTS (SELECT FROM unnest(p_tags) AS t(name) WHERE t.name IS NULL OR btrim(t.name) = '' OR length(t.name) > 200) THEN
        RAISE EXCEPTION 'tags must be non-empty strings of at most 200 characters'
            USING ERRCODE = '22023', HINT = 'Pass NULL for no tag filter, or e.g. ARRAY[''tool:python''].';
    END IF;
    RETURN rec._tag_ids(p_tags, false);
END;
$$;
COMMENT ON FUNCTION rec._filter_tags(text[]) IS 'Internal: validate a tags filter and map it to tag ids (NULL = no filter).';
