-- The embedding column gets its dimension from pgrec.meta (see 0020), because an HNSW index
-- needs a fixed one. Cosine distance: embeddings from different providers are not all
-- normalised, and cosine does not care.
DO $$
DECLARE
    v_dim integer := (SELECT value::integer FROM pgrec.meta WHERE key = 'embedding_dim');
BEGIN
    EXECUTE format('ALTER TABLE pgrec.items ADD COLUMN embedding public.vector(%s)', v_dim);
END $$;
COMMENT ON COLUMN pgrec.items.embedding IS 'Content embedding (title, description, tags); NULL until embedded.';

CREATE INDEX items_embedding_hnsw ON pgrec.items USING hnsw (embedding public.vector_cosine_ops);
