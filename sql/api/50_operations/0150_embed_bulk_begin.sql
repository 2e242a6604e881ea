-- Start a bulk load of embeddings (the first backfill, or re-embedding everything after a
-- provider switch): when at least min_pending items are queued and they are at least half of the
-- catalogue, drop the HNSW index on pgrec.items.embedding, so that storing a vector no longer
-- inserts it into the graph one row at a time (the graph built once afterwards, by
-- rec.embed_bulk_finish, is faster by an order of magnitude and as good). Returns whether a bulk
-- load began. Meanwhile similarity reads scan the embeddings instead of the index: same
-- results, slower, which is why ordinary re-embedding (a few edited items) never takes this path.
--
-- The caller holds a session advisory lock until rec.embed_bulk_finish, so a second worker
-- neither begins another bulk load nor rebuilds the index under the first one's feet. DROP INDEX
-- needs a moment's exclusive lock on pgrec.items; lock_timeout keeps a busy table from stalling
-- the job (it then embeds the ordinary way).
CREATE FUNCTION rec.embed_bulk_begin(min_pending integer DEFAULT 10000)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_pending bigint;
BEGIN
    IF min_pending IS NULL OR min_pending < 1 THEN
        RAISE EXCEPTION 'min_pending must be a positive number of queued items, got %', coalesce(min_pending::text, 'null')
            USING ERRCODE = CASE WHEN min_pending IS NULL THEN '22004' ELSE '22023' END;
    END IF;
    SELECT count(*) INTO v_pending FROM pgrec.embedding_queue;
    IF v_pending < min_pending OR v_pending * 2 < (SELECT count(*) FROM pgrec.items) THEN
        RETURN false;
    END IF;
    IF NOT pg_try_advisory_lock(rec._step_lock('embeddings bulk load')) THEN
        RETURN false;
    END IF;
    IF to_regclass('pgrec.items_embedding_hnsw') IS NOT NULL THEN
        PERFORM set_config('lock_timeout', '5s', true);
        BEGIN
            DROP INDEX pgrec.items_embedding_hnsw;
        EXCEPTION WHEN lock_not_available THEN
            PERFORM pg_advisory_unlock(rec._step_lock('embeddings bulk load'));
            RETURN false;
        END;
    END IF;
    -- Session-wide, like the lock: rec.embed_bulk_finish in this session releases it.
    PERFORM set_config('pgrec.embed_bulk', 'on', false);
    RETURN true;
END;
$$;
COMMENT ON FUNCTION rec.embed_bulk_begin(integer) IS
'Begin a bulk load of embeddings when at least min_pending items (and half the catalogue) are queued: drops the HNSW index until rec.embed_bulk_finish. Returns whether it began.';
