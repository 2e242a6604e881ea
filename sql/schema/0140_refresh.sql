-- Derived data is recomputed in named steps, and the schedule is data: each step's cadence,
-- the number of new events that makes it due early, and the steps whose output it uses. The
-- scheduler asks rec.due_steps() what is due and runs each with rec.refresh(step); a DBA runs
-- them with SELECT rec.refresh(). Seed rows: sql/seed/0060_refresh_steps.sql.
CREATE TABLE pgrec.refresh_steps (
    step           text PRIMARY KEY CHECK (step ~ '^[a-z][a-z0-9_]{0,62}$'),
    -- Order of rec.refresh('all'); a step comes after the steps it depends on.
    position       integer NOT NULL UNIQUE,
    description    text NOT NULL,
    -- sql: the function rec._refresh_<step>(), run by rec.refresh. python: work that needs the
    -- application (an embeddings provider, a numpy model fit), run by `pgrec refresh` and the
    -- scheduler, recorded in the same run log.
    runner         text NOT NULL DEFAULT 'sql' CHECK (runner IN ('sql', 'python')),
    -- Due when the last successful run is older than this ...
    every          interval NOT NULL CHECK (every > interval '0'),
    -- ... or this many events were recorded since it (NULL: cadence only) ...
    min_new_events integer CHECK (min_new_events > 0),
    -- ... or these steps wrote at least min_new_events rows (1 without it) since it.
    depends_on     text[] NOT NULL DEFAULT '{}',
    enabled        boolean NOT NULL DEFAULT true,
    -- false: rec.refresh('all') and `pgrec refresh` leave the step out, and only its schedule
    -- or a call by name runs it (tune: fitting the blend replays the whole history, a weekly
    -- job rather than part of every refresh).
    in_all         boolean NOT NULL DEFAULT true,
    -- A step that can refresh incrementally (process only the events and changes its last run
    -- did not see) rebuilds everything when its last full rebuild is older than this, which
    -- bounds the drift of steps whose incremental run is an approximation. NULL: every run is
    -- a full rebuild (the step has no incremental mode).
    full_every     interval CHECK (full_every > interval '0')
);
COMMENT ON TABLE pgrec.refresh_steps IS 'Refresh steps: order, runner (sql|python), cadence, early trigger by new events or dependencies, full rebuild cadence.';

-- Every run, including skipped and failed ones, so a DBA can see freshness and cost.
CREATE TABLE pgrec.refresh_runs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    step        text NOT NULL,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    rows        bigint,
    outcome     text NOT NULL CHECK (outcome IN ('ok', 'skipped', 'error')),
    detail      text,
    caller      text NOT NULL DEFAULT current_user
);
COMMENT ON TABLE pgrec.refresh_runs IS 'History of refresh step runs: when, how long, rows written, outcome, who ran it.';
CREATE INDEX refresh_runs_step_time ON pgrec.refresh_runs (step, started_at DESC);

-- One row per refresh step: when it last ran, how it went, and when it last succeeded, so a
-- DBA sees freshness at a glance:  SELECT * FROM pgrec.refresh_status;
CREATE VIEW pgrec.refresh_status AS
SELECT s.step,
       s.position,
       s.description,
       s.runner,
       s.every,
       s.enabled,
       s.in_all,
       l.started_at   AS last_started_at,
       l.outcome      AS last_outcome,
       l.rows         AS last_rows,
       extract(epoch FROM l.finished_at - l.started_at)::double precision AS last_seconds,
       l.detail       AS last_detail,
       ok.started_at  AS last_ok_started_at,
       ok.finished_at AS last_ok_at,
       ok.rows        AS last_ok_rows
FROM pgrec.refresh_steps AS s
LEFT JOIN LATERAL (SELECT r.* FROM pgrec.refresh_runs AS r
                   WHERE r.step = s.step ORDER BY r.started_at DESC, r.id DESC LIMIT 1) AS l ON true
LEFT JOIN LATERAL (SELECT r.* FROM pgrec.refresh_runs AS r
                   WHERE r.step = s.step AND r.outcome = 'ok' ORDER BY r.started_at DESC, r.id DESC LIMIT 1) AS ok ON true;
COMMENT ON VIEW pgrec.refresh_status IS 'Latest run and latest successful run of each refresh step.';

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
