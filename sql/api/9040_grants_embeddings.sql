-- What a query embedder (the HTTP API's search) needs to know.
GRANT EXECUTE ON FUNCTION rec.embedding_dim() TO pgrec_app;

-- Embedding worker and scheduler entry points: operations, so the admin role only.
GRANT EXECUTE ON FUNCTION
    rec.embed_claim(integer),
    rec.embed_store(bigint[], text[], public.vector[]),
    rec.embed_fail(bigint[], text),
    rec.embed_status(),
    rec.embed_requeue(text[]),
    rec.log_job_run(text, timestamptz, text, bigint, text),
    rec.job_freshness(text, bigint)
TO pgrec_admin;
