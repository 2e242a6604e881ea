-- Queue items for embedding again even though their text did not change: after switching the
-- provider or model (vectors from different models are not comparable), or to retry failing
-- items now instead of after their back-off. NULL means every item. Returns rows queued.
CREATE FUNCTION rec.embed_requeue(item_ids text[] DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_missing text;
    v_rows    integer;
BEGIN
    IF item_ids IS NOT NULL THEN
        SELECT x.id INTO v_missing
        FROM unnest(item_ids) AS x(id)
        WHERE NOT EXISTS (SELECT FROM pgrec.items i WHERE i.external_id = x.id)
        LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'unknown item "%"', v_missing USING ERRCODE = 'P0002',
                HINT = 'Pass ids of existing items, or NULL for every item.';
        END IF;
    END IF;
    INSERT INTO pgrec.embedding_queue AS q (item_id)
    SELECT i.id FROM pgrec.items i
    WHERE item_ids IS NULL OR i.external_id = ANY (item_ids)
    ORDER BY i.id
    ON CONFLICT (item_id) DO UPDATE SET attempts = 0, not_before = NULL, last_error = NULL;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION rec.embed_requeue(text[]) IS
'Queue items (all when NULL) for re-embedding, e.g. after a provider or model change; clears back-off of failing ones. Returns rows queued. P0002 for an unknown item id.';
