-- End a bulk load of embeddings: build the HNSW index on pgrec.items.embedding (the definition
-- in sql/schema/0050_items.sql) if it is missing, with maintenance_work_mem for the build (the
-- graph of a large catalogue fits in memory instead of being built in passes) and pgvector's
-- parallel build. Idempotent and cheap when the index exists, so the embed job calls it after
-- every run: a worker that died during a bulk load leaves the index missing only until the next
-- run. Skips (returns false) while another session's bulk load holds the lock. Returns whether
-- it built the index.
CREATE FUNCTION rec.embed_bulk_finish(maintenance_work_mem text DEFAULT '1GB')
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_key   constant bigint := rec._step_lock('embeddings bulk load');
    v_built boolean := false;
BEGIN
    IF maintenance_work_mem IS NULL THEN
        RAISE EXCEPTION 'maintenance_work_mem must not be null' USING ERRCODE = '22004',
            HINT = 'A memory size such as ''1GB''.';
    END IF;
    -- Checked on every call, not only when an index is built, so a bad setting shows at once.
    BEGIN
        PERFORM set_config('maintenance_work_mem', maintenance_work_mem, true);
    EXCEPTION WHEN invalid_parameter_value THEN
        RAISE EXCEPTION 'maintenance_work_mem: % is not a memory size', left(maintenance_work_mem, 100)
            USING ERRCODE = '22023', HINT = 'A memory size such as ''512MB'' or ''2GB''.';
    END;
    -- Granted when this session began the load (advisory locks stack) or nobody is loading.
    IF NOT pg_try_advisory_lock(v_key) THEN
        RETURN false;
    END IF;
    IF to_regclass('pgrec.items_embedding_hnsw') IS NULL THEN
        CREATE INDEX items_embedding_hnsw ON pgrec.items USING hnsw (embedding public.vector_cosine_ops);
        v_built := true;
    END IF;
    PERFORM pg_advisory_unlock(v_key);
    IF current_setting('pgrec.embed_bulk', true) = 'on' THEN
        PERFORM pg_advisory_unlock(v_key);
        PERFORM set_config('pgrec.embed_bulk', '', false);
    END IF;
    RETURN v_built;
END;
$$;
COMMENT ON FUNCTION rec.embed_bulk_finish(text) IS
'End a bulk load of embeddings: build the HNSW index on item embeddings if it is missing (with the given maintenance_work_mem). Returns whether it built it.';
