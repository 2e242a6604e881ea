-- Change tracking for embeddings. content_hash is the digest of the item's embedding text
-- (kept current by a trigger, 0340); embedded_hash is the digest the stored embedding was
-- computed from. An item needs (re-)embedding exactly when the two differ, so editing a
-- price or a status never costs an embedding call, and editing the text does.
ALTER TABLE pgrec.items
    ADD COLUMN content_hash  text,
    ADD COLUMN embedded_hash text;
COMMENT ON COLUMN pgrec.items.content_hash IS 'SHA-256 (hex) of the embedding text (pgrec.item_embedding_text); set by trigger.';
COMMENT ON COLUMN pgrec.items.embedded_hash IS 'content_hash the stored embedding was computed from; NULL until embedded.';

-- Items that existed before change tracking: hash their text now; an embedding that is
-- already there is trusted as current (nothing in pgrec wrote embeddings before this).
UPDATE pgrec.items
SET content_hash = encode(sha256(convert_to(pgrec.item_embedding_text(title, description, tag_ids, attributes), 'UTF8')), 'hex');
UPDATE pgrec.items SET embedded_hash = content_hash WHERE embedding IS NOT NULL;
