-- The online loop: A/B experiments and what was served. Replay (`pgrec tune`, `pgrec evaluate`)
-- says which blend would have done better on past events; only serving two blends side by side
-- to comparable users says which one does better now. An experiment splits a list's traffic
-- between strategies by a hash of the user id (rec.experiment_variant), the feed serves the
-- user's variant when asked for 'experiment:NAME', the application logs what it showed
-- (rec.log_impressions) and the report (rec.experiment_report) compares clicks and conversions
-- per variant. Everything here is written through rec functions; nothing is derived.

-- An experiment: a name callers put in the strategy argument, and when it runs. Outside
-- [starts_at, ends_at) it is not running and every user gets its control variant, so the
-- name can stay in an application's code before the start and after the end.
CREATE TABLE pgrec.experiments (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,39}$'),
    description text NOT NULL DEFAULT '',
    -- The list whose strategy the experiment chooses. Feeds only: the feed is the list every
    -- user sees first and the one whose blend is fitted, and a variant's strategy must serve
    -- the same list.
    list        text NOT NULL DEFAULT 'feed' CHECK (list = 'feed'),
    starts_at   timestamptz NOT NULL CHECK (isfinite(starts_at)),
    ends_at     timestamptz CHECK (isfinite(ends_at)),   -- NULL: runs until ended
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at IS NULL OR starts_at < ends_at)
);
COMMENT ON TABLE pgrec.experiments IS 'A/B experiments: a name (strategy ''experiment:NAME''), the list it serves, when it runs (ends_at NULL: open).';

-- The arms of an experiment. A user's bucket in [0, 1) falls into the variants' cumulative
-- shares in variant-name order, so shares must sum to 1 (rec.upsert_experiment checks the
-- whole set; a row constraint cannot). A variant names a strategy rather than copying its
-- weights: should the strategy change during the experiment (a DBA's edit, `pgrec tune`
-- refitting a tuned strategy), the variant serves the new weights. To freeze a blend, copy it
-- to a strategy row of its own first. Strategies in use cannot be deleted (no ON DELETE).
CREATE TABLE pgrec.experiment_variants (
    experiment text NOT NULL REFERENCES pgrec.experiments (name) ON DELETE CASCADE,
    variant    text NOT NULL CHECK (variant ~ '^[a-z][a-z0-9_]{0,39}$'),
    strategy   text NOT NULL REFERENCES pgrec.strategies (name) ON UPDATE CASCADE,
    share      double precision NOT NULL CHECK (share > 0 AND share <= 1),
    PRIMARY KEY (experiment, variant)
);
COMMENT ON TABLE pgrec.experiment_variants IS 'Variants of an experiment: the strategy each serves and its share of users (shares sum to 1).';

-- What was shown to whom: one row per item of a served page, position 1 first, logged by the
-- application (or the HTTP API) through rec.log_impressions. The report attributes later
-- events on the same (user, item) to these rows. Rows outside an experiment (experiment NULL)
-- record plain feeds, for the same kind of analysis by hand.
--
-- Volume: at 20 rows per page served this grows faster than pgrec.events, and rows matter only
-- while an experiment is analysed. rec.prune_impressions(older_than) deletes rows served before
-- rec.now() - older_than, except those of experiments still running; run it daily (the
-- scheduler does not) and let autovacuum reuse the space. Rows arrive in served_at order, so
-- the BRIN index finds old rows for a few kilobytes. An installation serving millions of pages
-- a day would rather partition this table by month of served_at and drop whole partitions.
CREATE TABLE pgrec.impressions (
    id         bigint GENERATED ALWAYS AS IDENTITY,
    request_id text NOT NULL CHECK (length(request_id) BETWEEN 1 AND 200),
    experiment text,
    variant    text,
    user_id    bigint NOT NULL REFERENCES pgrec.users (id) ON DELETE CASCADE,
    item_id    bigint NOT NULL REFERENCES pgrec.items (id) ON DELETE CASCADE,
    position   integer NOT NULL CHECK (position >= 1),   -- in the logged page, 1 first
    strategy   text,      -- the strategy that ranked the page; no foreign key, history outlives it
    served_at  timestamptz NOT NULL,
    -- Deleting an experiment (or a variant before the start) deletes what was logged for it.
    FOREIGN KEY (experiment, variant) REFERENCES pgrec.experiment_variants (experiment, variant) ON DELETE CASCADE,
    CHECK ((experiment IS NULL) = (variant IS NULL)),
    -- user_id first: on a Citus cluster impressions are distributed by user (beside the user's
    -- events, which the report joins them with), and a unique key must contain that column.
    PRIMARY KEY (user_id, id)
);
COMMENT ON TABLE pgrec.impressions IS 'Items shown to users (request, position, strategy, experiment variant, time): the denominator of the experiment report.';

-- A retried rec.log_impressions (same request id) adds nothing for the items already logged.
-- A request serves one user, so the user in the key changes nothing but lets Citus enforce it.
CREATE UNIQUE INDEX impressions_request_item ON pgrec.impressions (user_id, request_id, item_id);
-- The report reads one experiment's rows by variant.
CREATE INDEX impressions_experiment ON pgrec.impressions (experiment, variant);
-- "The latest impression of this item to this user before that event" (attribution), and
-- erasing a user (rec.forget_user deletes by user_id).
CREATE INDEX impressions_user_item ON pgrec.impressions (user_id, item_id, served_at);
-- Pruning by age.
CREATE INDEX impressions_served_brin ON pgrec.impressions USING brin (served_at) WITH (pages_per_range = 32);
