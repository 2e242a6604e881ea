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
