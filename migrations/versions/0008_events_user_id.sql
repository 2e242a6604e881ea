-- The index a precomputed feed asks on every call: the user's events written after the pool's
-- last event (rec._pooled_feed). Built inside the migration's transaction (on every monthly partition,
-- and on Citus every shard), so writes to events wait for it (seconds per million events). Frozen once released: later changes are new revisions.
CREATE INDEX IF NOT EXISTS events_user_id ON pgrec.events (user_id, id);
