-- Which item attributes go into the text that is embedded, besides title, description and
-- tags. Only a chosen few: most attributes (prices, ids, sequence numbers) are noise to a text
-- model and would make items that differ only in bookkeeping look different. A DBA may add
-- or remove keys; items already embedded are re-embedded only when their text next changes
-- (or after `SELECT rec.embed_requeue()`).
CREATE TABLE pgrec.embedding_attributes (
    key text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 200)
);
COMMENT ON TABLE pgrec.embedding_attributes IS 'Item attribute keys whose values are part of the embedded text.';

INSERT INTO pgrec.embedding_attributes (key) VALUES
    ('kind'), ('level'), ('category'), ('genre'), ('brand'), ('skills'), ('language');
