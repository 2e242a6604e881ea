-- When a user was last shown a feed page, kept by rec.log_impressions to the hour, so that the
-- refresh step feed_pools builds pools for users who are shown feeds without acting.
-- Frozen once released: later changes are new revisions.
-- A nullable column without a default: added without rewriting the table.
ALTER TABLE pgrec.users ADD COLUMN last_served_at timestamptz;
