-- A precomputed feed stores the page it serves while nothing drops out of it (the items, their
-- scores after diversity and their reasons, as deep as the page is exact), so serving slices
-- it instead of diversifying the pool on every call. Existing pools keep an empty page and are
-- served as before until the feed_pools step rebuilds them.
-- Frozen once released: later changes are new revisions.
ALTER TABLE pgrec.feed_pools
    ADD COLUMN page_ids text[] NOT NULL DEFAULT '{}',
    ADD COLUMN page_scores double precision[] NOT NULL DEFAULT '{}',
    ADD COLUMN page_reasons jsonb[] NOT NULL DEFAULT '{}';
ALTER TABLE pgrec.feed_pools ADD CONSTRAINT feed_pools_page_check
    CHECK (cardinality(page_ids) = cardinality(page_scores) AND cardinality(page_ids) = cardinality(page_reasons));
