-- Derived data is recomputed in named steps. rec.refresh('all') runs them in position order;
-- each step is the function rec._refresh_<step>() returning the rows it wrote.
CREATE TABLE pgrec.refresh_steps (
    step        text PRIMARY KEY CHECK (step ~ '^[a-z][a-z0-9_]*$'),
    position    integer NOT NULL UNIQUE,
    description text NOT NULL
);
COMMENT ON TABLE pgrec.refresh_steps IS 'Refresh steps run by rec.refresh(), in position order.';

INSERT INTO pgrec.refresh_steps (step, position, description) VALUES
    ('stats',     100, 'item engagement totals and scores (pgrec.item_stats)'),
    ('neighbors', 200, 'item-to-item co-occurrence neighbours (pgrec.item_neighbors)');

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
COMMENT ON TABLE pgrec.refresh_runs IS 'History of refresh step runs: when, how long, rows written, outcome.';
CREATE INDEX refresh_runs_step_time ON pgrec.refresh_runs (step, started_at DESC);
