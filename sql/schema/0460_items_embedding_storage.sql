-- Keep item embeddings inside the row (storage MAIN instead of pgvector's EXTERNAL). rec.feed
-- computes the cosine between the user vector and every candidate's embedding; stored
-- out of line (TOAST), each of those reads several TOAST pages, which cost more than the
-- rest of the scoring together. With MAIN, PostgreSQL moves the other wide columns (search,
-- description) out of line first and keeps the vector in the row when it fits, as a 384- or
-- 768-dimensional one does; a very large vector still goes out of line rather than failing.
-- Rows written before this change keep their layout until updated (the embedding worker
-- rewrites them when it re-embeds).
ALTER TABLE pgrec.items ALTER COLUMN embedding SET STORAGE MAIN;
