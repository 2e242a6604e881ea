-- Fitted models and the fitted blend (`pgrec tune`): the tables the models write, the replay
-- guard, the strategies' tuned columns, precomputed feeds, the refresh steps itemknn, ease,
-- als, feed_pools and tune in place of the co-occurrence steps neighbors and
-- neighbors_history, and the new signals' rows.
-- Frozen once released: later changes are new revisions.

ALTER TABLE pgrec.feed_signals DROP CONSTRAINT feed_signals_source_check;
ALTER TABLE pgrec.feed_signals ADD CONSTRAINT feed_signals_source_check
    CHECK (source IN ('collaborative', 'ease', 'als', 'sequence', 'keyword', 'trending', 'tags',
                      'vector', 'nearby', 'popular', 'contemporary', 'fresh'));
ALTER TABLE pgrec.strategies DROP CONSTRAINT strategies_sources_check;
ALTER TABLE pgrec.strategies ADD CONSTRAINT strategies_sources_check
    CHECK (sources <@ ARRAY['collaborative', 'ease', 'als', 'sequence', 'keyword', 'trending',
                            'tags', 'vector', 'nearby', 'popular', 'contemporary', 'fresh']);
ALTER TABLE pgrec.strategies
    ADD COLUMN tuned_from text REFERENCES pgrec.strategies (name) ON DELETE CASCADE ON UPDATE CASCADE,
    ADD COLUMN fitted_at  timestamptz,
    ADD COLUMN metrics    jsonb CHECK (jsonb_typeof(metrics) = 'object'),
    ADD COLUMN precomputed boolean NOT NULL DEFAULT false;

-- Neighbour rows are derived data: the new models write their own (the next refresh).
DROP TABLE pgrec.item_neighbors;
CREATE TABLE pgrec.item_neighbors (
    item_id     bigint NOT NULL REFERENCES pgrec.items (id) ON DELETE CASCADE,
    source      text NOT NULL,
    neighbor_id bigint NOT NULL REFERENCES pgrec.items (id) ON DELETE CASCADE,
    score       real NOT NULL CHECK (score > 0),
    PRIMARY KEY (item_id, source, neighbor_id),
    CHECK (item_id <> neighbor_id)
);
COMMENT ON TABLE pgrec.item_neighbors IS 'Top item-to-item neighbours per model (source) with a score (refresh steps: itemknn, ease).';

ALTER TABLE pgrec.refresh_steps ADD COLUMN in_all boolean NOT NULL DEFAULT true;
DROP VIEW pgrec.refresh_status;
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

-- For each calendar month (UTC), the 200 items with the most users that month (refresh step
-- stats): the signal "contemporary" sums a user's twelve months up to their latest event, so
-- what was popular when the user was active costs a dozen short arrays, not a scan of events.
CREATE TABLE pgrec.monthly_top_items (
    month date PRIMARY KEY,
    items bigint[] NOT NULL,
    users integer[] NOT NULL,
    CHECK (cardinality(items) = cardinality(users))
);
COMMENT ON TABLE pgrec.monthly_top_items IS 'Per month: the 200 items with the most users, most first (refresh step: stats).';

-- Fitted models: what each learnt from the installation's own events, and what serving reads
-- of it. A model is a refresh step like any other (pgrec.refresh_steps): the SQL item-item
-- model (itemknn) runs in SQL, EASE and ALS in Python (numpy, implicit) through `pgrec
-- refresh` and the scheduler. Each model is a ranking signal (pgrec.feed_signals) and a
-- candidate source. Seed rows: sql/seed/0070_models.sql.
CREATE TABLE pgrec.models (
    name            text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,39}$'),
    kind            text NOT NULL CHECK (kind IN ('itemknn', 'ease', 'als')),
    description     text NOT NULL,
    -- How interactions are weighed (strength per event type, history half-life, per-user cap)
    -- and the model's own settings; `pgrec tune` may change them.
    parameters      jsonb NOT NULL CHECK (jsonb_typeof(parameters) = 'object'),
    fitted_at       timestamptz,       -- wall clock of the last fit
    as_of           timestamptz,       -- rec.now() the last fit saw (a replay's clock)
    seconds         double precision,
    training_events bigint,
    users           bigint,
    items_covered   bigint,
    -- The newest event the fit had read (pgrec.events.id): serving adds what came after.
    last_event_id   bigint,
    -- What the fit measured on its own hold-out (e.g. the regularisation it chose and why).
    metrics         jsonb
);
COMMENT ON TABLE pgrec.models IS 'Fitted models (itemknn, ease, als): parameters, when and on what they were fitted, validation metrics.';

-- The best items of each user according to a model, computed when the model is fitted: a
-- user's top model scores enter the candidate pool whatever other sources propose. Serving adds
-- what the user did since `as_of` on top (the model's item-item rows of the new items).
CREATE TABLE pgrec.user_candidates (
    user_id bigint NOT NULL REFERENCES pgrec.users (id) ON DELETE CASCADE,
    model   text NOT NULL REFERENCES pgrec.models (name) ON DELETE CASCADE,
    items   bigint[] NOT NULL,
    scores  real[] NOT NULL,
    as_of   timestamptz NOT NULL,
    PRIMARY KEY (user_id, model),
    CHECK (cardinality(items) = cardinality(scores))
);
COMMENT ON TABLE pgrec.user_candidates IS 'Per user and model: the best items by model score as of the fit (items, scores best first).';

-- Latent factors of the ALS model: an item's and a user's 64 numbers whose inner product is
-- the user's predicted interest. The HNSW index answers "the items with the largest inner
-- product with this user" (vector_ip_ops: <#> is the negated inner product).
CREATE TABLE pgrec.item_factors (
    item_id bigint PRIMARY KEY REFERENCES pgrec.items (id) ON DELETE CASCADE,
    factor  public.vector(64) NOT NULL
);
COMMENT ON TABLE pgrec.item_factors IS 'ALS item factors (64 dimensions).';
CREATE INDEX item_factors_hnsw ON pgrec.item_factors USING hnsw (factor public.vector_ip_ops);

CREATE TABLE pgrec.user_factors (
    user_id bigint PRIMARY KEY REFERENCES pgrec.users (id) ON DELETE CASCADE,
    factor  public.vector(64) NOT NULL
);
COMMENT ON TABLE pgrec.user_factors IS 'ALS user factors (64 dimensions), as of the model''s fit.';

-- Replays measure pgrec on the installation's own history (`pgrec tune`): inside one
-- transaction they hold out each sampled user's latest events (rec.replay_split deletes them),
-- refit everything on what is left, rank, compare with what the users really did next, and
-- roll back. A replay transaction can never commit: rec.replay_split inserts a row here, and
-- the deferred constraint trigger below raises at COMMIT, which turns the COMMIT into a
-- ROLLBACK. Held-out events are therefore never lost, whatever the client does.
CREATE TABLE pgrec.replay_guard (
    started_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pgrec.replay_guard IS 'A row exists only inside a replay transaction, which its trigger keeps from committing.';

CREATE FUNCTION pgrec.replay_cannot_commit()
RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'a replay transaction cannot commit: it held out events to measure on them'
        USING ERRCODE = '25000', HINT = 'End a replay (pgrec tune) with ROLLBACK; nothing it changed is kept.';
END;
$$;
COMMENT ON FUNCTION pgrec.replay_cannot_commit() IS 'Trigger: a transaction that started a replay raises at commit (so it rolls back).';

CREATE CONSTRAINT TRIGGER replay_cannot_commit
    AFTER INSERT ON pgrec.replay_guard
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION pgrec.replay_cannot_commit();

-- Feeds, precomputed: for each active user, the candidates the full pipeline scored for the
-- strategy their feed serves, best first, with what serving needs to finish a page without
-- scoring anything (categories for diversity, engagement for ties, the reasons). Refresh step
-- feed_pools builds them; rec.feed reads one while it is valid — built for the same strategy,
-- rules, model fits and user preferences (`version`), the same replay clock, less than an
-- hour ago — and applies what happened since: items that stopped being live, and items the
-- user touched since that the strategy's exclusion policy leaves out, drop out. It keeps the
-- best 100 candidates: a page is served from it only when no candidate left out could have
-- reached that page (see rec._pooled_feed). An event that
-- changes scores (a positive one, or one the policy does not exclude) sends the call down the
-- full pipeline until the pool is rebuilt, so a rec.track call still changes the very next feed.
CREATE TABLE pgrec.feed_pools (
    user_id       bigint NOT NULL REFERENCES pgrec.users (id) ON DELETE CASCADE,
    strategy      text NOT NULL,
    built_at      timestamptz NOT NULL,    -- wall clock of the build
    as_of         timestamptz NOT NULL,    -- rec.now() it was built for (a replay's clock)
    version       text NOT NULL,           -- digest of what it depends on (rec._feed_pool_version)
    cold          boolean NOT NULL,        -- built while the user was below the cold-start thresholds
    policy        text NOT NULL,           -- the exclusion policy it was built under
    last_event_id bigint NOT NULL,         -- the user's newest event it saw (0: none) ...
    latest_at     timestamptz,             -- ... and the time of their latest event (contemporary)
    -- The best eligible candidates, best score first (at most 100), and per category of those
    -- left out (0: none) the best score among them (empty: none were left out): a page is
    -- exact only while everything on it stays above what the best left-out candidate of any
    -- category could reach after its diversity penalty.
    items         bigint[] NOT NULL,
    cutoff_categories integer[] NOT NULL,
    cutoff_scores double precision[] NOT NULL,
    external_ids  text[] NOT NULL,
    scores        double precision[] NOT NULL,  -- weighted sum plus rules, before diversity
    engagement    double precision[] NOT NULL,
    categories    integer[] NOT NULL,      -- the diversity category (0: none)
    reasons       jsonb NOT NULL,          -- per item, its reasons object (terms, reasons, ...)
    PRIMARY KEY (user_id, strategy),
    CHECK (cardinality(items) = cardinality(scores) AND cardinality(items) = cardinality(external_ids)
           AND cardinality(items) = cardinality(engagement) AND cardinality(items) = cardinality(categories)
           AND cardinality(cutoff_categories) = cardinality(cutoff_scores))
);
COMMENT ON TABLE pgrec.feed_pools IS 'Per user and strategy: the scored candidate pool of the feed, for serving a page without the full pipeline (refresh step: feed_pools).';
-- "Which pools are oldest" for the refresh step.
CREATE INDEX feed_pools_built ON pgrec.feed_pools (built_at);

-- Seed rows.
UPDATE pgrec.feed_signals SET description = 'SQL item-item model (itemknn): neighbours of the anchor items (the user''s positive history, an item, a session), scaled by the best' WHERE signal = 'collaborative';
INSERT INTO pgrec.feed_signals (signal, aliases, always_on, source, computed_by, description) VALUES
    ('ease',          '{}',            false, 'ease',          'rec._model_list',
     'EASE model: the user''s model score (history x item-item weights), fitted per installation, scaled by the best'),
    ('als',           '{}',            false, 'als',           'rec._model_list',
     'ALS model: inner product of the user''s and the item''s latent factors, scaled by the best'),
    ('contemporary',  '{}',            false, 'contemporary',  'pgrec.monthly_top_items',
     'users the item had in the twelve months up to the user''s latest event, scaled by the best: what was popular when the user was active');
INSERT INTO pgrec.signal_phrases (signal, list, phrase, fallback, min_value) VALUES
    ('ease',          '*',        'because you liked {because}', 'people with similar taste liked this', 0.2),
    ('als',           '*',        'people with similar taste liked this', NULL, 0.3),
    ('contemporary',  '*',        'popular with people active when you were', NULL, 0.5);
UPDATE pgrec.strategies SET description = 'New users: their first events and declared interests, then what is popular.', weights = '{"ease": 0.20, "collaborative": 0.20, "contemporary": 0.15, "popularity": 0.15, "explicit": 0.15, "engagement": 0.10, "location": 0.05}', max_per_category = 8 WHERE name = 'cold_start';
UPDATE pgrec.strategies SET description = 'Balanced personal feed: the fitted models first, then declared and observed interests, engagement and freshness.', weights = '{"ease": 0.30, "collaborative": 0.20, "als": 0.10, "explicit": 0.10, "tags": 0.07, "engagement": 0.06, "popularity": 0.04, "recency": 0.03, "vector": 0.03, "behavioral": 0.03, "velocity": 0.01, "trending": 0.01, "location": 0.01, "creator": 0.01}' WHERE name = 'default';
DELETE FROM pgrec.refresh_steps WHERE step IN ('neighbors', 'neighbors_history');
INSERT INTO pgrec.refresh_steps (step, position, description, runner, every, min_new_events, depends_on, in_all) VALUES
    ('itemknn',          200, 'SQL item-item model over all history: typed interaction strengths, time decay, popularity-normalised (pgrec.item_neighbors, source itemknn)',
     'sql', '1 day', 5000, '{}', true),
    ('ease',             220, 'EASE model over the most engaged items, regularisation chosen on a hold-out (pgrec.item_neighbors source ease, pgrec.user_candidates)',
     'python', '1 day', 5000, '{}', true),
    ('als',              240, 'ALS latent factor model, for catalogues beyond EASE''s reach (pgrec.item_factors, pgrec.user_factors, pgrec.user_candidates)',
     'python', '1 day', 5000, '{}', true),
    ('feed_pools',       500, 'the feeds of active users, precomputed for the served strategy and those marked precomputed (pgrec.feed_pools)',
     'sql', '1 minute', NULL, '{}', true),
    ('tune',             900, 'pgrec tune: the blend fitted by replaying the installation''s own events (strategies tuned, tuned_cold)',
     'python', '7 days', 50000, '{}', false);

-- The models a fresh installation fits (pgrec.models). Interactions are weighed alike by all
-- three: each event counts with its type's strength (a rating by how far above neutral it is:
-- 5 stars 1, 4 stars 0.5, 3 or less nothing), halved every half_life_days before the user's own
-- latest event (decay "user": a user active years ago weighs as much as today's, only their
-- older taste fades), and a user and item pair keeps its strongest event. A view counts half a like: seeing an item says less
-- than choosing it, but on catalogues where most events are views it is most of the evidence.
-- These are starting points; `pgrec tune` may change them for the installation.
INSERT INTO pgrec.models (name, kind, description, parameters) VALUES
    ('itemknn', 'itemknn', 'SQL item-item: P(i -> user -> j) random walks (RP3beta), the 100 best neighbours per item',
     '{"strengths": {"view": 0.5, "click": 0.7, "like": 1, "save": 1, "share": 1, "apply": 1, "complete": 1, "rate": 1},
       "half_life_days": 365, "decay": "user", "max_items_per_user": 250, "beta": 0.3, "min_support": 2, "neighbors": 100}'),
    ('ease', 'ease', 'EASE (Steck 2019) over the most engaged items: closed-form item-item weights',
     '{"strengths": {"view": 0.5, "click": 0.7, "like": 1, "save": 1, "share": 1, "apply": 1, "complete": 1, "rate": 1},
       "half_life_days": 365, "decay": "user", "max_items": 6000, "lambdas": [50, 200, 800], "neighbors": 50, "candidates": 200}'),
    ('als', 'als', 'Implicit ALS (Hu, Koren, Volinsky 2008) with 64 factors, through the implicit library',
     '{"strengths": {"view": 0.5, "click": 0.7, "like": 1, "save": 1, "share": 1, "apply": 1, "complete": 1, "rate": 1},
       "half_life_days": 365, "decay": "user", "regularization": 0.05, "iterations": 15, "alpha": 10, "candidates": 200}');
