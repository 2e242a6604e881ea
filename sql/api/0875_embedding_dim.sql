-- The dimension item embeddings are stored with (fixed at install time, see pgrec.meta), so a
-- provider can be configured to match before it spends a request: the embed worker sizes the
-- offline provider by it and refuses a provider that disagrees.
CREATE FUNCTION rec.embedding_dim()
RETURNS integer
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog
AS $$
    SELECT m.value::integer FROM pgrec.meta m WHERE m.key = 'embedding_dim';
$$;
COMMENT ON FUNCTION rec.embedding_dim() IS 'Dimension of stored item embeddings (fixed when pgrec was installed).';
