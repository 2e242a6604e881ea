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
    -- Which of the user's events it saw: those of transactions its snapshot sees (the build's
    -- own, xact_id, up to last_event_id). Not the newest event id alone: transactions commit
    -- out of id order (rec._pool_events_since).
    snapshot      pg_snapshot NOT NULL,
    xact_id       bigint NOT NULL,
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
    -- The page these give while nothing drops out, as deep as it is exact (rec._pool_page):
    -- the items, their scores after diversity and their reasons, served as stored.
    page_ids      text[] NOT NULL DEFAULT '{}',
    page_scores   double precision[] NOT NULL DEFAULT '{}',
    page_reasons  jsonb[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (user_id, strategy),
    CHECK (cardinality(items) = cardinality(scores) AND cardinality(items) = cardinality(external_ids)
           AND cardinality(items) = cardinality(engagement) AND cardinality(items) = cardinality(categories)
           AND cardinality(cutoff_categories) = cardinality(cutoff_scores)),
    CONSTRAINT feed_pools_page_check
        CHECK (cardinality(page_ids) = cardinality(page_scores) AND cardinality(page_ids) = cardinality(page_reasons))
);
COMMENT ON TABLE pgrec.feed_pools IS 'Per user and strategy: the scored candidate pool of the feed, for serving a page without the full pipeline (refresh step: feed_pools).';
-- "Which pools are oldest" for the refresh step.
CREATE INDEX feed_pools_built ON pgrec.feed_pools (built_at);
