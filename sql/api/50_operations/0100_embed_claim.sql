-- Claim a batch of items that need an embedding: (id, item_id, content_hash, body), where body
-- is the text to embed. The queue rows are locked FOR UPDATE SKIP LOCKED until the caller's
-- transaction ends, so:
--   * call it inside a transaction and write the vectors back with rec.embed_store in the
--     same transaction (in autocommit the claim ends with the statement);
--   * concurrent workers get disjoint batches instead of waiting for each other;
--   * a worker that dies mid-batch rolls back and its items are simply claimed again.
-- Items backing off after a provider error (not_before in the future) are left alone.
CREATE FUNCTION rec.embed_claim(batch_size integer DEFAULT 100)
RETURNS TABLE (id bigint, item_id text, content_hash text, body text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_now constant timestamptz := rec.now();
    v_claimed bigint[];
BEGIN
    IF batch_size IS NULL THEN
        RAISE EXCEPTION 'batch_size must not be null' USING ERRCODE = '22004', HINT = 'Pass 1..10000.';
    END IF;
    -- The cap bounds how long one transaction holds its claims (and one provider request).
    IF batch_size NOT BETWEEN 1 AND 10000 THEN
        RAISE EXCEPTION 'batch_size must be between 1 and 10000, got %', batch_size
            USING ERRCODE = '22023', HINT = 'Use a smaller batch and call again.';
    END IF;

    v_claimed := ARRAY(
        SELECT q.item_id
        FROM pgrec.embedding_queue AS q
        WHERE q.not_before IS NULL OR q.not_before <= v_now
        ORDER BY q.queued_at, q.item_id
        LIMIT batch_size
        FOR UPDATE SKIP LOCKED);
    -- With the stored hash: rec.embed_store keeps the vector only if the item still has it
    -- (it may be edited while the provider works).
    RETURN QUERY
    SELECT t.id, t.external_id, t.content_hash, t.body
    FROM rec._item_embedding_texts(v_claimed) AS t
    ORDER BY t.id;
END;
$$;
COMMENT ON FUNCTION rec.embed_claim(integer) IS
'Embed worker: claim up to batch_size queued items (FOR UPDATE SKIP LOCKED, held until the transaction ends). Returns (id, item_id, content_hash, body) — body is the text to embed.';
