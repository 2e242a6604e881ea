-- Incremental refresh: each event records the transaction that wrote it, each incremental
-- step the snapshot and clock its derived data is as of (pgrec.refresh_state) and its full
-- rebuild cadence (refresh_steps.full_every); triggers log deleted events and written
-- embeddings (pgrec.refresh_changes); the tables that let steps add instead of recount (item
-- totals, users per month, user transitions, itemknn's interaction strengths and rows).
-- Frozen once released: later changes are new revisions.

-- Instant on a large table: a nullable column without a stored default, then the default for
-- new rows. Events written before it have no xact_id and count as seen by every snapshot (the
-- first run of each step after this revision is a full rebuild: it has no state yet).
ALTER TABLE pgrec.events ADD COLUMN xact_id bigint;
ALTER TABLE pgrec.events ALTER COLUMN xact_id SET DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX events_xact_brin ON pgrec.events USING brin (xact_id) WITH (pages_per_range = 32);
CREATE OR REPLACE VIEW pgrec.weighted_events AS
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

ALTER TABLE pgrec.refresh_steps ADD COLUMN full_every interval CHECK (full_every > interval '0');
COMMENT ON TABLE pgrec.refresh_steps IS 'Refresh steps: order, runner (sql|python), cadence, early trigger by new events or dependencies, full rebuild cadence.';
UPDATE pgrec.refresh_steps SET full_every = '1 day'
WHERE step IN ('stats', 'itemknn', 'transitions', 'user_vectors');

-- What each incremental step's derived data includes, so its next run processes only the rest:
-- the events (and changes) the snapshot it read could see, and the clock it computed at. A step
-- writes its row in the transaction that writes its data, so the two always agree; no row (a
-- new installation, TRUNCATE of pgrec.events) means the next run is a full rebuild.
CREATE TABLE pgrec.refresh_state (
    step     text PRIMARY KEY REFERENCES pgrec.refresh_steps (step) ON DELETE CASCADE ON UPDATE CASCADE,
    -- pg_current_snapshot() when the run began: an event is included exactly when this
    -- snapshot sees the transaction that wrote it (events.xact_id).
    snapshot pg_snapshot NOT NULL,
    as_of    timestamptz NOT NULL,   -- rec.now() of the run (events after it were not counted)
    -- A digest of the settings the data was computed with (event type weights, model
    -- parameters): when it differs, the next run rebuilds in full.
    inputs   text NOT NULL,
    full_at  timestamptz NOT NULL,   -- wall clock of the last full rebuild
    mode     text NOT NULL CHECK (mode IN ('full', 'incremental')),
    detail   text,                   -- what the last run processed, for the run log
    -- The transaction that wrote this row: a later run in the same transaction cannot tell
    -- from the snapshot which of that transaction's own events came after it, so it rebuilds.
    xact_id  bigint NOT NULL
);
COMMENT ON TABLE pgrec.refresh_state IS 'Per incremental refresh step: the snapshot and clock its derived data is as of, when it was last rebuilt in full.';

-- Changes an incremental step cannot see by reading new events: events deleted or updated
-- (rec.forget_user, an item deleted with its events, a DBA's DELETE) and item embeddings
-- written. Filled by triggers in the writing transaction, read like events (by xact_id against
-- a step's snapshot), pruned once every step's snapshot has seen them (rec._refresh_save).
CREATE TABLE pgrec.refresh_changes (
    xact_id bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    kind    text NOT NULL CHECK (kind IN ('events', 'embedding')),
    item_id bigint NOT NULL,
    user_id bigint
);
COMMENT ON TABLE pgrec.refresh_changes IS 'Deleted or updated events and written embeddings since the incremental refresh steps last ran (by writing transaction).';
CREATE INDEX refresh_changes_xact ON pgrec.refresh_changes (xact_id);

-- Statement-level, so deleting a user's thousand events logs their distinct (item, user) pairs
-- in one INSERT. TRUNCATE leaves nothing to compare with: every step rebuilds in full.
CREATE FUNCTION pgrec.log_event_changes()
RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM pgrec.refresh_state;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO pgrec.refresh_changes (kind, item_id, user_id)
        SELECT DISTINCT 'events', o.item_id, o.user_id FROM old_events AS o;
    ELSE
        INSERT INTO pgrec.refresh_changes (kind, item_id, user_id)
        SELECT 'events', x.item_id, x.user_id FROM old_events AS x
        UNION
        SELECT 'events', x.item_id, x.user_id FROM new_events AS x;
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION pgrec.log_event_changes() IS 'Trigger: log the items and users of deleted or updated events for the incremental refresh steps.';

CREATE TRIGGER events_log_deletes
    AFTER DELETE ON pgrec.events
    REFERENCING OLD TABLE AS old_events
    FOR EACH STATEMENT EXECUTE FUNCTION pgrec.log_event_changes();

CREATE TRIGGER events_log_updates
    AFTER UPDATE ON pgrec.events
    REFERENCING OLD TABLE AS old_events NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION pgrec.log_event_changes();

CREATE TRIGGER events_log_truncate
    AFTER TRUNCATE ON pgrec.events
    FOR EACH STATEMENT EXECUTE FUNCTION pgrec.log_event_changes();

-- User vectors average item embeddings, so a written embedding changes the vectors of the
-- users who liked the item.
CREATE FUNCTION pgrec.log_embedding_changes()
RETURNS trigger
-- public: the vector type's equality operator lives with the extension.
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    INSERT INTO pgrec.refresh_changes (kind, item_id)
    SELECT 'embedding', n.id
    FROM new_items AS n
    JOIN old_items AS o ON o.id = n.id
    WHERE n.embedding IS DISTINCT FROM o.embedding;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION pgrec.log_embedding_changes() IS 'Trigger: log items whose embedding was written, for the incremental refresh steps.';

CREATE TRIGGER items_log_embedding_changes
    AFTER UPDATE ON pgrec.items
    REFERENCING OLD TABLE AS old_items NEW TABLE AS new_items
    FOR EACH STATEMENT EXECUTE FUNCTION pgrec.log_embedding_changes();

-- The additive totals behind pgrec.item_stats (refresh step stats), kept so an incremental run
-- adds the new events instead of summing every event again: per item, as of the step's
-- snapshot and clock (pgrec.refresh_state), the events counted, their summed weight, likes,
-- distinct users with a positive event, the latest event, and the summed weight of the last 7
-- days (recent) and of the 7 before (previous). Items whose events were deleted (a forgotten
-- user) are recomputed from their remaining events.
CREATE TABLE pgrec.item_event_totals (
    item_id        bigint PRIMARY KEY REFERENCES pgrec.items (id) ON DELETE CASCADE,
    events         bigint NOT NULL,
    weight         double precision NOT NULL,
    likes          bigint NOT NULL,
    positive_users bigint NOT NULL,
    last_event_at  timestamptz NOT NULL,
    recent         double precision NOT NULL,
    previous       double precision NOT NULL
);
COMMENT ON TABLE pgrec.item_event_totals IS 'Per item: additive event totals behind item_stats, as of the stats step''s snapshot (refresh step: stats).';

-- Distinct users per calendar month (UTC) and item with an event of interest or exposure (not
-- a rejection): what pgrec.monthly_top_items ranks, kept per item so new events add to it.
CREATE TABLE pgrec.item_month_users (
    month   date NOT NULL,
    item_id bigint NOT NULL REFERENCES pgrec.items (id) ON DELETE CASCADE,
    users   integer NOT NULL CHECK (users > 0),
    PRIMARY KEY (month, item_id)
);
COMMENT ON TABLE pgrec.item_month_users IS 'Distinct non-rejecting users per month and item, behind monthly_top_items (refresh step: stats).';
-- Recomputing one item's months (its events were deleted) finds its rows by item.
CREATE INDEX item_month_users_item ON pgrec.item_month_users (item_id);

-- Each user's distinct transitions A -> B over the window of the refresh step transitions (the
-- last 180 days), kept so a run recomputes only the users whose events changed and then the
-- rows of pgrec.item_transitions they touch: users(A -> B) is the number of rows here.
-- References the user so rec.forget_user erases their paths with them.
CREATE TABLE pgrec.user_transitions (
    item_id      bigint NOT NULL,
    next_item_id bigint NOT NULL,
    user_id      bigint NOT NULL REFERENCES pgrec.users (id) ON DELETE CASCADE,
    PRIMARY KEY (item_id, next_item_id, user_id)
);
COMMENT ON TABLE pgrec.user_transitions IS 'Per user: the distinct item -> next item transitions in the transitions window (refresh step: transitions).';
-- Replacing one user's transitions, and the foreign key's cascade.
CREATE INDEX user_transitions_user ON pgrec.user_transitions (user_id);

-- The interaction strengths the SQL item-item model (refresh step itemknn) learnt from, one row
-- per user and item (rec._interactions with the model's parameters, after its per-user cap), as
-- of each user's last recomputation. Kept so an incremental run recomputes only the users whose
-- events changed and reads everyone else's strengths from here instead of from every event.
-- References the user so rec.forget_user erases it with them.
CREATE TABLE pgrec.itemknn_interactions (
    user_id  bigint NOT NULL REFERENCES pgrec.users (id) ON DELETE CASCADE,
    item_id  bigint NOT NULL,
    strength double precision NOT NULL CHECK (strength > 0),
    PRIMARY KEY (user_id, item_id)
);
COMMENT ON TABLE pgrec.itemknn_interactions IS 'Interaction strengths behind the itemknn model, per user and item (refresh step: itemknn).';
-- A row of the model reads the users of its item.
CREATE INDEX itemknn_interactions_item ON pgrec.itemknn_interactions (item_id);

-- When each item's itemknn row (its neighbours in pgrec.item_neighbors) was last computed, and
-- the item's degree (summed strength) then: an incremental run recomputes first the rows whose
-- degree moved the most since.
CREATE TABLE pgrec.itemknn_rows (
    item_id     bigint PRIMARY KEY REFERENCES pgrec.items (id) ON DELETE CASCADE,
    degree      double precision NOT NULL,
    computed_at timestamptz NOT NULL
);
COMMENT ON TABLE pgrec.itemknn_rows IS 'Per item: the degree its itemknn neighbour row was computed with, and when (refresh step: itemknn).';
