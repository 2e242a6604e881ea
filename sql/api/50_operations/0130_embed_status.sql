-- How far embeddings are: what `pgrec embed --status` prints and a DBA checks.
CREATE FUNCTION rec.embed_status()
RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT jsonb_build_object(
        'dim',      rec.embedding_dim(),
        'items',    (SELECT count(*) FROM pgrec.items),
        'embedded', (SELECT count(*) FROM pgrec.items i WHERE i.embedding IS NOT NULL),
        'pending',  (SELECT count(*) FROM pgrec.embedding_queue),
        -- Queued items that still have an older embedding, which feeds keep using meanwhile.
        'stale',    (SELECT count(*) FROM pgrec.embedding_queue q JOIN pgrec.items i ON i.id = q.item_id
                     WHERE i.embedding IS NOT NULL),
        'failing',  (SELECT count(*) FROM pgrec.embedding_queue q WHERE q.attempts > 0),
        'ready',    (SELECT count(*) FROM pgrec.embedding_queue q WHERE q.not_before IS NULL OR q.not_before <= rec.now()),
        'last_error', (SELECT q.last_error FROM pgrec.embedding_queue q WHERE q.last_error IS NOT NULL
                       ORDER BY q.not_before DESC NULLS LAST LIMIT 1));
$$;
COMMENT ON FUNCTION rec.embed_status() IS
'Embedding progress as jsonb: dim, items, embedded, pending (queued), stale (queued but with an older embedding), failing, ready (claimable now), last_error.';
