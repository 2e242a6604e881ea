-- Change tracking for item embeddings: which attributes go into the embedded text, the text
-- itself, its hash (kept on the item by a trigger), and the queue of items waiting for an
-- embedding, filled by rec.upsert_items. The embed job (refresh step "embeddings") consumes it.

-- Which item attributes go into the embedded text, besides title, description and tags. Only
-- a chosen few: most attributes (prices, ids, sequence numbers) are noise to a text model. A
-- DBA may add or remove keys; items already embedded are re-embedded when their text next
-- changes (or after SELECT rec.embed_requeue()).
CREATE TABLE pgrec.embedding_attributes (
    key text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 200)
);
COMMENT ON TABLE pgrec.embedding_attributes IS 'Item attribute keys whose values are part of the embedded text.';

-- Items waiting for an embedding: one row per item whose content_hash differs from its
-- embedded_hash. rec.upsert_items queues the items it wrote (not a trigger: Citus has no
-- statement triggers with transition tables, and a trigger on a reference table runs on every
-- copy of it); after editing pgrec.items by hand, queue them with rec.embed_requeue. Workers claim rows with FOR UPDATE SKIP LOCKED inside a transaction that
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

-- The text an item is embedded from, in a fixed layout that every provider receives:
--   <title>
--   <description>
--   Tags: <tag>, <tag>, ...
--   <attribute key>: <value>
-- Empty parts are left out. Tags are sorted by name and attributes by key, so the same content
-- always gives the same text and hash. The offline provider reads the "Tags:" line as tag
-- features (app/embeddings/offline.py). In pgrec, not rec: the trigger below calls it, and
-- nothing in pgrec may depend on rec (re-created on every API change).
CREATE FUNCTION pgrec.item_embedding_text(p_title text, p_description text, p_tag_ids integer[], p_attributes jsonb)
RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT concat_ws(E'\n',
        nullif(btrim(p_title), ''),
        nullif(btrim(p_description), ''),
        (SELECT 'Tags: ' || string_agg(t.name, ', ' ORDER BY t.name)
         FROM pgrec.tags AS t WHERE t.id = ANY (p_tag_ids)),
        (SELECT string_agg(a.key || ': ' || a.value, E'\n' ORDER BY a.key)
         FROM (SELECT k.key,
                      CASE jsonb_typeof(v.value)
                          WHEN 'array' THEN (SELECT string_agg(x #>> '{}', ', ')
                                             FROM jsonb_array_elements(v.value) AS x
                                             WHERE jsonb_typeof(x) IN ('string', 'number', 'boolean'))
                          WHEN 'object' THEN NULL
                          WHEN 'null' THEN NULL
                          ELSE v.value #>> '{}'
                      END AS value
               FROM pgrec.embedding_attributes AS k
               JOIN LATERAL (SELECT p_attributes -> k.key AS value) AS v ON v.value IS NOT NULL) AS a
         WHERE nullif(btrim(a.value), '') IS NOT NULL));
$$;
COMMENT ON FUNCTION pgrec.item_embedding_text(text, text, integer[], jsonb) IS
'The text an item is embedded from: title, description, a "Tags:" line and selected attributes (pgrec.embedding_attributes).';

-- BEFORE trigger: the hash is part of the row written, so no second update is needed. It fires
-- only when a column that feeds the text is written (the embed worker, which writes
-- embedding and embedded_hash only, does not fire it).
CREATE FUNCTION pgrec.items_set_content_hash()
RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    NEW.content_hash := encode(sha256(convert_to(
        pgrec.item_embedding_text(NEW.title, NEW.description, NEW.tag_ids, NEW.attributes), 'UTF8')), 'hex');
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION pgrec.items_set_content_hash() IS 'Trigger: set items.content_hash from the embedding text.';

CREATE TRIGGER items_content_hash
    BEFORE INSERT OR UPDATE OF title, description, tag_ids, attributes ON pgrec.items
    FOR EACH ROW EXECUTE FUNCTION pgrec.items_set_content_hash();
