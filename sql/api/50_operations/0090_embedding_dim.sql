-- The dimension item embeddings are stored with, read from the column's type (fixed when
-- pgrec was installed, see sql/schema/0050_items.sql), so a provider can be configured to match
-- before it spends a request: the embed worker sizes the offline provider by it and refuses a
-- provider that disagrees.
CREATE FUNCTION rec.embedding_dim()
RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT a.atttypmod FROM pg_catalog.pg_attribute AS a
    WHERE a.attrelid = 'pgrec.items'::regclass AND a.attname = 'embedding';
$$;
COMMENT ON FUNCTION rec.embedding_dim() IS 'Dimension of stored item embeddings (fixed when pgrec was installed).';
