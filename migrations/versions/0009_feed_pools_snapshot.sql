-- A precomputed feed knows which of its user's events it saw by the snapshot its build read,
-- not by the newest event id alone: transactions commit out of id order, so an event whose
-- transaction drew its id before the build and committed after it has an id below the pool's
-- newest and was still unseen. The index the feed asks on every call becomes (user_id, xact_id):
-- the user's events from transactions the build's snapshot may not have seen (usually none).
-- Pools are derived data: they are dropped and the next run of the feed_pools step rebuilds
-- them. Built inside the migration's transaction (on every monthly partition, and on Citus
-- every shard), so writes to events wait for it (seconds per million events).
-- Frozen once released: later changes are new revisions.
TRUNCATE pgrec.feed_pools;
ALTER TABLE pgrec.feed_pools
    ADD COLUMN snapshot pg_snapshot NOT NULL,
    ADD COLUMN xact_id bigint NOT NULL;
DROP INDEX pgrec.events_user_id;
CREATE INDEX events_user_xact ON pgrec.events (user_id, xact_id);
