-- Interaction events: the largest table by far (plan for hundreds of millions of rows).
--
-- Range-partitioned by month of occurred_at (UTC), so time windows (trending, the 180-day
-- neighbour and transition windows, retention) read or drop whole partitions instead of
-- walking one ever-growing heap. Monthly partitions are named events_pYYYY_MM; the refresh step
-- event_partitions (rec._refresh_event_partitions) creates them months ahead and, when a
-- retention is set (pgrec.event_partitioning), detaches the ones that fell out of it. Events
-- for a month without a partition (history loaded from years ago, or before the step first
-- ran) land in events_default; the same step moves them into their month's partition.
--
-- Exactly-once delivery: a unique index on a partitioned table must contain the partition key
-- (and on Citus the distribution column as well), so the client's event_id cannot be unique
-- in this table. pgrec.event_ids below holds that uniqueness, per user.
--
-- id comes from a sequence rather than an identity column: PostgreSQL 16 has no identity
-- columns on partitioned tables. The primary key leads with the user, so it is also the
-- per-user history index ("this user's recent events": exclusions, history-based scores,
-- real-time feed updates), and contains user_id for Citus and occurred_at for partitioning.
CREATE SEQUENCE pgrec.events_id_seq AS bigint;
CREATE TABLE pgrec.events (
    id          bigint NOT NULL DEFAULT nextval('pgrec.events_id_seq'),
    event_id    text CHECK (length(event_id) BETWEEN 1 AND 200),
    user_id     bigint NOT NULL REFERENCES pgrec.users (id) ON DELETE CASCADE,
    item_id     bigint NOT NULL REFERENCES pgrec.items (id) ON DELETE CASCADE,
    type        text NOT NULL REFERENCES pgrec.event_types (type),
    value       real CHECK (value BETWEEN -1e6 AND 1e6),
    context     jsonb CHECK (jsonb_typeof(context) = 'object'),
    occurred_at timestamptz NOT NULL CHECK (isfinite(occurred_at)),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    -- The transaction that wrote the event (pg_current_xact_id() as a number). Incremental
    -- refresh steps ask "which events did my last run not see?" by comparing it with the
    -- snapshot that run read (pgrec.refresh_state): transactions commit out of id order, so an
    -- id or time watermark would skip an event committed late. NULL for events written before
    -- the column existed, which every snapshot has seen.
    xact_id     bigint DEFAULT (pg_current_xact_id()::text::bigint),
    CONSTRAINT events_user_time PRIMARY KEY (user_id, occurred_at, id) INCLUDE (item_id, type)
) PARTITION BY RANGE (occurred_at);
ALTER SEQUENCE pgrec.events_id_seq OWNED BY pgrec.events.id;
COMMENT ON TABLE pgrec.events IS 'Interaction events, partitioned by month of occurred_at; event_id (client supplied, unique per user through pgrec.event_ids) makes delivery exactly-once.';

-- "This user's events from transactions the pool's build may not have seen": a precomputed
-- feed asks it on every call (rec._pooled_feed), and the answer is usually none, one index
-- descent per partition instead of a walk over the user's whole history.
CREATE INDEX events_user_xact ON pgrec.events (user_id, xact_id);
-- Per-item aggregates and item-to-item transitions.
CREATE INDEX events_item_time ON pgrec.events (item_id, occurred_at);
-- Events arrive roughly in time order, so BRIN indexes answer time windows inside a partition
-- ("the last 48 hours" of this month) and "events since the last refresh" (rec.due_steps,
-- on recorded_at) for a few kilobytes.
CREATE INDEX events_time_brin ON pgrec.events USING brin (occurred_at) WITH (pages_per_range = 32);
CREATE INDEX events_recorded_brin ON pgrec.events USING brin (recorded_at) WITH (pages_per_range = 32);
-- "Which events has this refresh step not seen yet?" (rec._refresh_begin): transaction ids grow
-- with time, so the few newest ranges answer it.
CREATE INDEX events_xact_brin ON pgrec.events USING brin (xact_id) WITH (pages_per_range = 32);

CREATE TABLE pgrec.events_default PARTITION OF pgrec.events DEFAULT;
COMMENT ON TABLE pgrec.events_default IS 'Events of months that have no partition yet; the refresh step event_partitions moves them into one.';

-- The event ids already recorded, one row per (user, event_id): what makes rec.track
-- exactly-once. Not partitioned, because a retried event whose "at" was left out gets a new
-- occurred_at and must still be recognised. Distributed by user on Citus, co-located with
-- events, so the duplicate check and the insert of a user's events run on one worker. Kept in
-- step with retention: ids of events older than the retention horizon are deleted with their
-- partitions' detachment, and rec.track skips events that old.
CREATE TABLE pgrec.event_ids (
    user_id     bigint NOT NULL REFERENCES pgrec.users (id) ON DELETE CASCADE,
    event_id    text NOT NULL CHECK (length(event_id) BETWEEN 1 AND 200),
    occurred_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, event_id)
);
COMMENT ON TABLE pgrec.event_ids IS 'Client event ids already recorded, unique per user: rec.track skips a repeated (user_id, event_id).';
-- Retention deletes the ids older than its horizon, in time order of arrival.
CREATE INDEX event_ids_time_brin ON pgrec.event_ids USING brin (occurred_at) WITH (pages_per_range = 32);

-- How events are partitioned and kept (one row, changed by a DBA with UPDATE): how many months
-- of partitions exist ahead of now, and how long events are kept. retention NULL (the
-- default) keeps every event; with a retention, the refresh step event_partitions detaches
-- every monthly partition that ends before the horizon date_trunc('month', now - retention)
-- (the tables stay, outside pgrec.events, for a DBA to archive or drop) and rec.track skips
-- events older than it.
CREATE TABLE pgrec.event_partitioning (
    singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    months_ahead integer NOT NULL DEFAULT 3 CHECK (months_ahead BETWEEN 1 AND 36),
    retention    interval CHECK (retention >= interval '1 month')
);
COMMENT ON TABLE pgrec.event_partitioning IS 'Event partitioning policy: monthly partitions created months_ahead; retention (NULL = keep all) detaches older ones.';

-- Events with what they are worth, so every aggregate agrees on one definition:
--   weight    the type's weight, or weight * (value - neutral_value) for ratings;
--   polarity  +1 interest, -1 rejection, 0 exposure (ratings: the sign of the weight).
CREATE VIEW pgrec.weighted_events AS
SELECT e.id,
       e.user_id,
       e.item_id,
       e.type,
       e.value,
       e.occurred_at,
       e.recorded_at,
       CASE WHEN t.neutral_value IS NULL THEN t.weight
            ELSE t.weight * (coalesce(e.value, t.neutral_value) - t.neutral_value)
       END AS weight,
       CASE WHEN t.neutral_value IS NULL THEN t.polarity
            ELSE sign(coalesce(e.value, t.neutral_value) - t.neutral_value)::smallint
       END AS polarity,
       e.xact_id
FROM pgrec.events AS e
JOIN pgrec.event_types AS t ON t.type = e.type;
COMMENT ON VIEW pgrec.weighted_events IS 'Events with effective weight and polarity from pgrec.event_types.';
