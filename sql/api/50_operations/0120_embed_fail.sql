-- Record that embedding these items failed (provider error), so they back off instead of
-- being retried at the head of the queue every minute: 30 s, 1 min, 2 min, ... capped at one
-- hour. Call it after rolling back the transaction that claimed them. Returns rows marked.
CREATE FUNCTION rec.embed_fail(ids bigint[], error text) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    -- Seconds since the epoch, so the back-off below is immutable arithmetic: Citus does not
    -- evaluate a STABLE function or operator (timestamptz + interval is one) per row of an UPDATE.
    v_now  constant double precision := extract(epoch FROM rec.now());
    v_rows integer;
BEGIN
    IF ids IS NULL THEN
        RAISE EXCEPTION 'ids must not be null' USING ERRCODE = '22004', HINT = 'Pass the ids of the failed batch.';
    END IF;
    UPDATE pgrec.embedding_queue AS q
    SET attempts   = q.attempts + 1,
        last_error = left(coalesce(error, 'unknown error'), 2000),
        not_before = to_timestamp(v_now + least(30 * power(2, least(q.attempts, 20)), 3600))
    WHERE q.item_id = ANY (ids);
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION rec.embed_fail(bigint[], text) IS
'Embed worker: record a failed attempt for these queued items (error text, exponential back-off up to 1 hour). Returns rows marked.';
