-- Interaction events: the largest table by far (plan for hundreds of millions of rows).
--
-- Not partitioned: a global unique event_id (exactly-once) would otherwise need the partition
-- key in the constraint or a side table. Events arrive roughly in time order, so a BRIN index
-- on occurred_at answers time windows (trending, refresh) for a few kilobytes, and the btree
-- indexes below serve the per-user and per-item paths.
CREATE TABLE pgrec.events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id    text CHECK (length(event_id) BETWEEN 1 AND 200),
    user_id     bigint NOT NULL REFERENCES pgrec.users (id) ON DELETE CASCADE,
    item_id     bigint NOT NULL REFERENCES pgrec.items (id),
    type        text NOT NULL REFERENCES pgrec.event_types (type),
    value       real,
    context     jsonb,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pgrec.events IS 'Interaction events; event_id (client supplied) makes delivery exactly-once.';

CREATE UNIQUE INDEX events_event_id ON pgrec.events (event_id) WHERE event_id IS NOT NULL;
-- "This user's recent events": exclusions, history-based scores, real-time feed updates.
CREATE INDEX events_user_time ON pgrec.events (user_id, occurred_at DESC) INCLUDE (item_id, type);
-- Per-item aggregates and item-to-item transitions.
CREATE INDEX events_item_time ON pgrec.events (item_id, occurred_at);
CREATE INDEX events_time_brin ON pgrec.events USING brin (occurred_at) WITH (pages_per_range = 32);
