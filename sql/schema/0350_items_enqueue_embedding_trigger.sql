-- Queue items whose text no longer matches their embedding. Statement-level with transition
-- tables, so an upsert of 1000 items queues them in one INSERT rather than 1000.
--
-- ON CONFLICT DO NOTHING: an item already queued stays queued (the worker reads the current
-- text when it claims it). It also never waits on a worker holding that queue row FOR UPDATE,
-- so writing items is not slowed down by an embedding call in progress; if the worker then
-- finds the text changed under it, rec.embed_store leaves the row queued for the next run.
CREATE FUNCTION pgrec.items_enqueue_embedding()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog
AS $$
BEGIN
    INSERT INTO pgrec.embedding_queue (item_id)
    SELECT n.id FROM changed_items n
    WHERE n.content_hash IS DISTINCT FROM n.embedded_hash
    ORDER BY n.id
    ON CONFLICT (item_id) DO NOTHING;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION pgrec.items_enqueue_embedding() IS 'Trigger: queue inserted or updated items whose content_hash differs from embedded_hash.';

-- Transition tables cannot be combined with an UPDATE OF column list, hence two triggers
-- and a cheap filter (content_hash vs embedded_hash) instead.
CREATE TRIGGER items_enqueue_embedding_insert
    AFTER INSERT ON pgrec.items
    REFERENCING NEW TABLE AS changed_items
    FOR EACH STATEMENT EXECUTE FUNCTION pgrec.items_enqueue_embedding();

CREATE TRIGGER items_enqueue_embedding_update
    AFTER UPDATE ON pgrec.items
    REFERENCING NEW TABLE AS changed_items
    FOR EACH STATEMENT EXECUTE FUNCTION pgrec.items_enqueue_embedding();
