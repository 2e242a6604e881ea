-- Named ranking strategies: a weight per signal plus the parameters of candidate generation
-- and re-ranking. rec.feed(..., strategy) picks one; a DBA tunes them here, no code change.
-- Weights need not sum to 1: rec.feed keeps the signals that have data for the user and
-- rescales their weights to sum to 1.
CREATE TABLE pgrec.strategies (
    name              text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,39}$'),
    description       text NOT NULL,
    weights           jsonb NOT NULL CHECK (jsonb_typeof(weights) = 'object'),
    -- false: never use anything about the user (the non-personalised feed).
    personalized      boolean NOT NULL DEFAULT true,
    -- Age at which a history event counts 1/e as much (collaborative, interests, user vector).
    history_tau_days  double precision NOT NULL DEFAULT 30 CHECK (history_tau_days > 0),
    -- Item age at which the recency signal has fallen to 1/e.
    recency_tau_days  double precision NOT NULL DEFAULT 14 CHECK (recency_tau_days > 0),
    -- Candidates per call: the collaborative source takes this many, the others half or a
    -- quarter (rec._feed_candidates). Scoring costs per candidate, so this bounds the work per
    -- call; deeper pages than the pool holds come back short. 100 loses ~1% Recall@10 against
    -- 200 on the synthetic evaluation and halves the scoring.
    candidate_limit   integer NOT NULL DEFAULT 100 CHECK (candidate_limit BETWEEN 10 AND 2000),
    -- Subtracted per higher-ranked item of the same category.
    diversity_penalty double precision NOT NULL DEFAULT 0.02 CHECK (diversity_penalty >= 0),
    -- At most this many items of one category in each block of category_window positions.
    max_per_category  integer NOT NULL DEFAULT 4 CHECK (max_per_category >= 1),
    category_window   integer NOT NULL DEFAULT 10 CHECK (category_window >= 1),
    -- true: items the user only viewed are excluded like liked ones; false: they stay, with
    -- the behavioral penalty.
    exclude_viewed    boolean NOT NULL DEFAULT true,
    CHECK (max_per_category <= category_window)
);
COMMENT ON TABLE pgrec.strategies IS 'Ranking strategies for rec.feed: signal weights and ranking parameters.';

-- Weight keys must be signal names (pgrec.feed_signals), checked here so a DBA's typo fails
-- on UPDATE rather than at the next feed call. Canonical names only: aliases are for callers.
CREATE FUNCTION pgrec.check_strategy_weights()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog
AS $$
DECLARE
    v_bad text;
BEGIN
    SELECT string_agg(k, ', ' ORDER BY k) INTO v_bad
    FROM jsonb_each(NEW.weights) AS w(k, v)
    WHERE k NOT IN (SELECT s.signal FROM pgrec.feed_signals s)
       OR jsonb_typeof(v) <> 'number' OR (v #>> '{}')::float8 < 0;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'strategy "%": bad weights for %', NEW.name, v_bad
            USING ERRCODE = '22023', HINT = 'Weights are {signal: number >= 0}; signals are listed in pgrec.feed_signals.';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION pgrec.check_strategy_weights() IS 'Trigger: strategy weights must be {signal: number >= 0} over pgrec.feed_signals.';

CREATE TRIGGER strategies_check_weights
BEFORE INSERT OR UPDATE OF weights ON pgrec.strategies
FOR EACH ROW EXECUTE FUNCTION pgrec.check_strategy_weights();

-- default: tuned on the synthetic generator with `pgrec evaluate` by coordinate search over
--   the weights and parameters (see README, feed section). A tight category cap costs a lot of
--   accuracy for users with one or two interests, so default caps at 8 of 10; explore keeps 3.
-- cold_start: used for users below the personalisation threshold (rec.status); their few
--   signals (onboarding preferences, a first like, a location) still count, next to trending,
--   nearby and popular items.
-- popular: the non-personalised baseline.
INSERT INTO pgrec.strategies (name, description, weights, personalized, history_tau_days, recency_tau_days,
                              candidate_limit, diversity_penalty, max_per_category, category_window, exclude_viewed) VALUES
    ('default', 'Balanced personal feed: collaborative neighbours first, then declared and observed interests, engagement and freshness.',
     '{"collaborative": 0.48, "explicit": 0.17, "tags": 0.11, "engagement": 0.07, "popularity": 0.04,
       "recency": 0.03, "vector": 0.03, "behavioral": 0.03, "velocity": 0.01, "trending": 0.01,
       "location": 0.01, "creator": 0.01}',
     true, 30, 14, 100, 0.02, 8, 10, true),
    ('explore', 'Discovery: content similarity and declared interests over what is popular.',
     '{"vector": 0.30, "explicit": 0.25, "behavioral": 0.25, "collaborative": 0.15, "popularity": 0.05}',
     true, 30, 14, 100, 0.02, 3, 10, false),
    ('marketplace', 'Local listings: distance first, then interests, engagement and freshness.',
     '{"location": 0.25, "tags": 0.20, "engagement": 0.15, "recency": 0.10, "creator": 0.10,
       "collaborative": 0.10, "vector": 0.10}',
     true, 30, 7, 100, 0.02, 4, 10, true),
    ('cold_start', 'New users: onboarding preferences, trending, nearby and popular items.',
     '{"explicit": 0.25, "collaborative": 0.20, "trending": 0.15, "location": 0.10, "engagement": 0.20,
       "recency": 0.10}',
     true, 30, 14, 100, 0.02, 3, 10, true),
    ('popular', 'Non-personalised: what engages most, with freshness.',
     '{"engagement": 0.80, "recency": 0.20}',
     false, 30, 14, 100, 0.02, 4, 10, true);
