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
    in_all         boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE pgrec.refresh_steps IS 'Refresh steps: order, runner (sql|python), cadence, early trigger by new events or dependencies.';

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
