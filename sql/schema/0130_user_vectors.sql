-- Stored user taste vectors (refresh step user_vectors): the mean of the normalised embeddings
-- of a user's recent positive items. Serving uses a stored row only while no newer positive
-- event exists, and otherwise computes the vector on the fly, so a like moves the vector side
-- of the next feed without waiting for a refresh. Same dimension as pgrec.items.embedding.
DO $$
BEGIN
    EXECUTE format($ddl$
        CREATE TABLE pgrec.user_vectors (
            user_id       bigint PRIMARY KEY REFERENCES pgrec.users (id) ON DELETE CASCADE,
            embedding     public.vector(%s) NOT NULL,
            items         integer NOT NULL CHECK (items > 0),
            -- The newest positive event the vector includes, and the clock it was computed at.
            last_event_at timestamptz NOT NULL,
            computed_at   timestamptz NOT NULL
        )$ddl$, coalesce(nullif(current_setting('pgrec.embedding_dim', true), ''), '384'));
END $$;
COMMENT ON TABLE pgrec.user_vectors IS 'User taste vectors: mean embedding of recent positive items (refresh step: user_vectors).';
