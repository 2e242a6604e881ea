-- Change tracking for item embeddings: which attributes go into the embedded text and the
-- queue of items waiting for an embedding. rec.upsert_items sets each item's content_hash (the
-- hash of its text, rec._item_embedding_texts) and queues the items whose text changed; the
-- embed job (refresh step "embeddings") consumes the queue. No triggers: Citus runs no
-- statement triggers with transition tables, and a trigger on a reference table runs on every
-- copy of it, where it cannot read other tables.

-- Which item attributes go into the embedded text, besides title, description and tags. Only
-- a chosen few: most attributes (prices, ids, sequence numbers) are noise to a text model. A
-- DBA may add or remove keys; items already embedded are re-embedded when their text next
-- changes (or after SELECT rec.embed_requeue()).
CREATE TABLE pgrec.embedding_attributes (
    key text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 200)
);
COMMENT ON TABLE pgrec.embedding_attributes IS 'Item attribute keys whose values are part of the embedded text.';

-- Items waiting for an embedding: one row per item whose content_hash differs from its
-- embedded_hash. rec.upsert_items queues the items it wrote; after editing the text of items
-- by hand in pgrec.items, upsert them again (or rec.embed_requeue them). Workers claim rows with FOR UPDATE SKIP LOCKED inside a transaction that
-- also writes the vectors back (rec.embed_claim / rec.embed_store), so two workers never take
-- the same item and a worker that dies mid-batch simply rolls back: the rows stay queued.
-- The row says only "this item needs embedding": the worker reads the text when it claims,
-- so edits made while an item waits coalesce into one embedding call.
CREATE TABLE pgrec.embedding_queue (
    item_id    bigint PRIMARY KEY REFERENCES pgrec.items (id) ON DELETE CASCADE,
    queued_at  timestamptz NOT NULL DEFAULT now(),
    -- Failed attempts (provider errors) and when the item may be tried again: a poison item
    -- backs off instead of blocking the queue head.
    attempts   integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    not_before timestamptz,
    last_error text
);
COMMENT ON TABLE pgrec.embedding_queue IS 'Items whose embedding is missing or out of date; consumed by the embed job (rec.embed_claim).';
-- Workers take the oldest work first.
CREATE INDEX embedding_queue_order ON pgrec.embedding_queue (queued_at, item_id);
