-- Interaction events: the largest table by far (plan for hundreds of millions of rows).
--
-- Not partitioned: a global unique event_id (exactly-once delivery) would otherwise need the
-- partition key in the constraint. Events arrive roughly in time order, so BRIN indexes on
-- occurred_at and recorded_at answer time windows (trending, "events since the last refresh")
-- for a few kilobytes, and the btree indexes below serve the per-user and per-item paths.
CREATE TABLE pgrec.events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
    xact_id     bigint DEFAULT (pg_current_xact_id()::text::bigint)
);
COMMENT ON TABLE pgrec.events IS 'Interaction events; event_id (client supplied) makes delivery exactly-once.';

CREATE UNIQUE INDEX events_event_id ON pgrec.events (event_id) WHERE event_id IS NOT NULL;
-- "This user's recent events": exclusions, history-based scores, real-time feed updates.
CREATE INDEX events_user_time ON pgrec.events (user_id, occurred_at DESC) INCLUDE (item_id, type);
-- "This user's events written after event N": a precomputed feed asks it on every call
-- (rec._pooled_feed), and the answer is usually none, one index descent instead of a walk over
-- the user's whole history.
CREATE INDEX events_user_id ON pgrec.events (user_id, id);
-- Per-item aggregates and item-to-item transitions.
CREATE INDEX events_item_time ON pgrec.events (item_id, occurred_at);
CREATE INDEX events_time_brin ON pgrec.events USING brin (occurred_at) WITH (pages_per_range = 32);
-- "How many events arrived since step X last ran?" (rec.due_steps).
CREATE INDEX events_recorded_brin ON pgrec.events USING brin (recorded_at) WITH (pages_per_range = 32);
-- "Which events has this refresh step not seen yet?" (rec._refresh_base): transaction ids grow
-- with time, so the few newest ranges answer it.
CREATE INDEX events_xact_brin ON pgrec.events USING brin (xact_id) WITH (pages_per_range = 32);

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
