-- Write embeddings computed for claimed items (rec.embed_claim) and take them off the queue.
-- Each vector is stored only if the item's text is still the one it was computed from
-- (content_hash): an item edited while it was being embedded keeps its queue row and is
-- embedded again on the next claim, with the new text. Returns the embeddings written.
CREATE FUNCTION rec.embed_store(ids bigint[], content_hashes text[], embeddings public.vector[])
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_dim     constant integer := rec.embedding_dim();
    v_bad     integer;
    v_written bigint[];
BEGIN
    IF ids IS NULL OR content_hashes IS NULL OR embeddings IS NULL THEN
        RAISE EXCEPTION 'ids, content_hashes and embeddings must not be null' USING ERRCODE = '22004',
            HINT = 'Pass the id and content_hash columns of rec.embed_claim and one vector per item.';
    END IF;
    IF cardinality(ids) <> cardinality(content_hashes) OR cardinality(ids) <> cardinality(embeddings) THEN
        RAISE EXCEPTION 'ids (%), content_hashes (%) and embeddings (%) must have the same length',
            cardinality(ids), cardinality(content_hashes), cardinality(embeddings)
            USING ERRCODE = '22023', HINT = 'Pass one content_hash and one vector per id, in the same order.';
    END IF;
    SELECT u.ord INTO v_bad
    FROM unnest(ids, content_hashes, embeddings) WITH ORDINALITY AS u(id, h, e, ord)
    WHERE u.id IS NULL OR u.h IS NULL OR u.e IS NULL
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'element % has a null id, content_hash or embedding', v_bad - 1 USING ERRCODE = '22004';
    END IF;
    -- Checked here rather than left to the column's typmod so the message says what to fix.
    SELECT u.ord INTO v_bad
    FROM unnest(embeddings) WITH ORDINALITY AS u(e, ord)
    WHERE public.vector_dims(u.e) <> v_dim
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'embedding % has % dimensions; this database stores %',
            v_bad - 1, public.vector_dims(embeddings[v_bad]), v_dim
            USING ERRCODE = '22023',
                  HINT = 'Configure the provider for the installed dimension (PGREC_EMBEDDING_DIM, or the model''s dimensions setting).';
    END IF;

    -- Lock order by id, like every other batch writer, so concurrent batches cannot deadlock.
    WITH input AS (
        SELECT DISTINCT ON (u.id) u.id, u.h, u.e
        FROM unnest(ids, content_hashes, embeddings) AS u(id, h, e)
        ORDER BY u.id
    ),
    written AS (
        UPDATE pgrec.items AS i
        SET embedding = input.e, embedded_hash = input.h
        FROM input
        WHERE i.id = input.id AND i.content_hash = input.h
        RETURNING i.id
    )
    SELECT coalesce(array_agg(w.id), '{}') INTO v_written FROM written AS w;
    -- On Citus the change log has no trigger (rec._log_changes): the vectors written, logged here.
    PERFORM rec._log_changes('embedding', v_written);

    -- Done means the stored embedding matches the current text; anything else stays queued.
    DELETE FROM pgrec.embedding_queue AS q
    USING pgrec.items AS i
    WHERE q.item_id = i.id
      AND q.item_id = ANY (ids)
      AND i.embedded_hash IS NOT DISTINCT FROM i.content_hash;

    RETURN cardinality(v_written);
END;
$$;
COMMENT ON FUNCTION rec.embed_store(bigint[], text[], public.vector[]) IS
'Embed worker: store one vector per claimed item (ids and content_hashes from rec.embed_claim) and dequeue the items that are now current. Returns embeddings written; a vector computed from text that changed meanwhile is dropped and the item stays queued.';
