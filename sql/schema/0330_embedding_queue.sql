-- Items waiting for an embedding: one row per item whose content_hash differs from its
-- embedded_hash. Workers claim rows with FOR UPDATE SKIP LOCKED inside a transaction that
-- also writes the vectors back (rec.embed_claim / rec.embed_store), so two workers never take
-- the same item and a worker that dies mid-batch simply rolls back: the rows stay queued.
--
-- The row says only "this item needs embedding", never which text: the worker reads the text
-- when it claims, so edits made while an item waits coalesce into one embedding call.
CREATE TABLE pgrec.embedding_queue (
    item_id    bigint PRIMARY KEY REFERENCES pgrec.items (id) ON DELETE CASCADE,
    queued_at  timestamptz NOT NULL DEFAULT now(),
    -- Failed attempts (provider errors) and when the item may be tried again: a poison item
    -- (say, text the provider rejects) backs off instead of blocking the queue head.
    attempts   integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    not_before timestamptz,
    last_error text
);
COMMENT ON TABLE pgrec.embedding_queue IS 'Items whose embedding is missing or out of date; consumed by the embed job (rec.embed_claim).';

-- Workers take the oldest work first.
CREATE INDEX embedding_queue_order ON pgrec.embedding_queue (queued_at, item_id);

-- Everything not embedded yet is pending from the start.
INSERT INTO pgrec.embedding_queue (item_id)
SELECT id FROM pgrec.items WHERE content_hash IS DISTINCT FROM embedded_hash
ON CONFLICT DO NOTHING;
