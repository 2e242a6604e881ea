-- Items: anything that can be recommended (a project, a lesson, a listing). Internal bigint
-- keys keep events and indexes small; the client's text id lives in external_id only.
--
-- The embedding's dimension is fixed when pgrec is installed, because an HNSW index needs
-- one: the installer sets pgrec.embedding_dim (Alembic from PGREC_EMBEDDING_DIM; default
-- 384), and rec.embedding_dim() reads it back from this column's type.
DO $$
BEGIN
    EXECUTE format($ddl$
        CREATE TABLE pgrec.items (
            id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            external_id   text NOT NULL UNIQUE CHECK (length(external_id) BETWEEN 1 AND 200),
            title         text NOT NULL DEFAULT '' CHECK (length(title) <= 1000),
            description   text NOT NULL DEFAULT '' CHECK (length(description) <= 20000),
            tag_ids       integer[] NOT NULL DEFAULT '{}' CHECK (cardinality(tag_ids) <= 200),
            creator_id    text CHECK (length(creator_id) BETWEEN 1 AND 200),
            created_at    timestamptz NOT NULL DEFAULT now() CHECK (isfinite(created_at)),
            lat           double precision CHECK (lat BETWEEN -90 AND 90),
            lon           double precision CHECK (lon BETWEEN -180 AND 180),
            price         numeric CHECK (price BETWEEN 0 AND 1e12),
            attributes    jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
            status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'hidden', 'archived')),
            expires_at    timestamptz CHECK (isfinite(expires_at)),
            updated_at    timestamptz NOT NULL DEFAULT now(),
            -- Title weighs more than description in keyword search.
            search        tsvector GENERATED ALWAYS AS (
                              setweight(to_tsvector('english', title), 'A') ||
                              setweight(to_tsvector('english', description), 'B')) STORED,
            -- Content embedding (title, description, tags, some attributes); NULL until embedded.
            embedding     public.vector(%s),
            -- SHA-256 of the text the item is embedded from (set by rec.upsert_items, see
            -- 0060_embeddings.sql) and the hash the stored embedding was computed from: the item
            -- needs (re-)embedding exactly when they differ.
            content_hash  text,
            embedded_hash text,
            CHECK ((lat IS NULL) = (lon IS NULL))
        )$ddl$, coalesce(nullif(current_setting('pgrec.embedding_dim', true), ''), '384'));
END $$;
COMMENT ON TABLE pgrec.items IS 'Recommendable items; external_id is the client''s id.';
COMMENT ON COLUMN pgrec.items.embedding IS 'Content embedding (title, description, tags, selected attributes); NULL until embedded.';
COMMENT ON COLUMN pgrec.items.content_hash IS 'SHA-256 (hex) of the embedding text (rec._item_embedding_texts); set by rec.upsert_items.';
COMMENT ON COLUMN pgrec.items.embedded_hash IS 'content_hash the stored embedding was computed from; NULL until embedded.';

-- Keep embeddings inside the row (MAIN instead of pgvector's EXTERNAL): feeds compute the
-- cosine to every candidate's embedding, and out-of-line (TOAST) vectors cost several page
-- reads each. PostgreSQL then moves the other wide columns out of line first; a very large
-- vector still goes out of line rather than failing.
ALTER TABLE pgrec.items ALTER COLUMN embedding SET STORAGE MAIN;

CREATE INDEX items_tag_ids ON pgrec.items USING gin (tag_ids);
CREATE INDEX items_search ON pgrec.items USING gin (search);
CREATE INDEX items_creator ON pgrec.items (creator_id) WHERE creator_id IS NOT NULL;
-- Lists only ever rank items that are live; newest-first lists walk this.
CREATE INDEX items_live_created ON pgrec.items (created_at DESC) WHERE status = 'active';
-- Nearby lists walk live located items in k-nearest order (built-in point_ops: no extension).
CREATE INDEX items_live_location ON pgrec.items USING gist (point(lon, lat))
    WHERE status = 'active' AND lat IS NOT NULL;
-- Cosine distance: embeddings from different providers are not all normalised.
CREATE INDEX items_embedding_hnsw ON pgrec.items USING hnsw (embedding public.vector_cosine_ops);

-- The one definition of "this item may be shown now": active, already published, not
-- expired. Every list calls it. A SQL-standard body without SET clause, so the planner inlines
-- it (the partial indexes above still match its status = 'active' test). It takes the three
-- columns rather than the row: on Citus a query runs against a shard of pgrec.items, whose
-- row type is not pgrec.items, so a function of the whole row could not be called there.
CREATE FUNCTION pgrec.is_live(p_status text, p_created_at timestamptz, p_expires_at timestamptz, p_now timestamptz)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN p_status = 'active'
   AND p_created_at <= p_now
   AND (p_expires_at IS NULL OR p_expires_at > p_now);
COMMENT ON FUNCTION pgrec.is_live(text, timestamptz, timestamptz, timestamptz) IS
'True when an item (status, created_at, expires_at) may be shown at p_now: status active, created_at <= p_now, not expired.';
