-- Facts about this installation that code needs at run time.
CREATE TABLE pgrec.meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
COMMENT ON TABLE pgrec.meta IS 'Installation facts: embedding dimension, checksum of the installed rec API.';

-- The embedding dimension is fixed at install time because an HNSW index needs it; a DBA sets
-- it with `SET pgrec.embedding_dim = 1536` before installing, Alembic from PGREC_EMBEDDING_DIM.
INSERT INTO pgrec.meta (key, value)
VALUES ('embedding_dim', coalesce(nullif(current_setting('pgrec.embedding_dim', true), ''), '384'));
