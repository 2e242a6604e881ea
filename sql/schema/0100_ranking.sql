-- How lists are ranked, as data a DBA (and the tuner) edits: the signal vocabulary, what each
-- list excludes, the strategies (weights and parameters), and boost/bury rules. Every list
-- function (feed, trending, latest, similar, nearby, search, session, next) runs the same
-- pipeline (sql/api/20_pipeline) and differs from the others only by these rows.

-- The ranking signals, by name. Strategy weights and per-call overrides may only name these
-- (or an alias), so a typo such as "colaborative" is an error instead of a weight that silently
-- does nothing. Each signal is computed to 0..1 by the function or table in computed_by.
CREATE TABLE pgrec.feed_signals (
    signal      text PRIMARY KEY CHECK (signal ~ '^[a-z][a-z_]*$'),
    aliases     text[] NOT NULL DEFAULT '{}',
    -- false: the signal needs something about the caller (a vector, a location, history, a
    -- query) and drops out, its weight shared among the others, when there is none.
    always_on   boolean NOT NULL,
    -- The candidate source that proposes items strong on this signal (rec._candidates).
    source      text CHECK (source IN ('collaborative', 'ease', 'als', 'sequence', 'keyword', 'trending', 'tags',
                                       'vector', 'nearby', 'popular', 'contemporary', 'fresh', 'following')),
    computed_by text NOT NULL,
    description text NOT NULL
);
COMMENT ON TABLE pgrec.feed_signals IS 'Ranking signals of every list: names (and aliases) that strategy weights may use, and their candidate source.';

-- The human-readable reason each signal gives, per list (list '*' is the default). The phrase
-- is stated when the signal's value reaches min_value, and always for the row's largest term,
-- so no listed item is without a reason. {name} placeholders are filled from the row's details
-- (because, tag, category, km, age, query, window, recent, before, relation); a phrase whose
-- placeholder has no value falls back to fallback, or is left out when that is NULL too.
CREATE TABLE pgrec.signal_phrases (
    signal    text NOT NULL REFERENCES pgrec.feed_signals (signal) ON DELETE CASCADE,
    list      text NOT NULL DEFAULT '*',
    phrase    text NOT NULL,
    fallback  text,
    min_value double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (signal, list)
);
COMMENT ON TABLE pgrec.signal_phrases IS 'Reason phrases per signal and list (''*'' = any), stated above min_value and always for the largest term.';

-- What a list leaves out for a user, by name, so that each list declares it instead of
-- retyping it. Blocked tags and items that are not live are left out of every list; these are
-- the differences, each with its reason.
CREATE TABLE pgrec.exclusion_policies (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,39}$'),
    own_items   boolean NOT NULL,   -- items the user created (creator_id = user id)
    interacted  boolean NOT NULL,   -- anything the user has an event on, views included
    acted       boolean NOT NULL,   -- anything the user did more than view (like, save, dismiss, ...)
    dismissed   boolean NOT NULL,   -- items the user rejected (negative polarity)
    anchors     boolean NOT NULL,   -- the items the list starts from (a similar item, a session)
    description text NOT NULL,
    -- Items the user has an event of one of these types (pgrec.event_types), e.g. '{apply}': a
    -- marketplace that shows a listing again after a look but never once applied to.
    event_types text[] NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE pgrec.exclusion_policies IS 'Named exclusion policies: which of the user''s items a list leaves out, and why.';

-- Weight keys must be signal names, checked by a constraint so a DBA's typo fails on UPDATE
-- rather than at the next call (23514). Canonical names only: aliases are for callers. The
-- names are those of pgrec.feed_signals and of the fields of rec.signals, spelt out here
-- because a constraint may not read a table (a test checks the three agree; a new signal needs
-- code anyway). Not a trigger: on Citus a trigger runs on every copy of the reference table,
-- where it cannot read pgrec.feed_signals.
CREATE FUNCTION pgrec.strategy_weights_are_valid(p_weights jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN NOT EXISTS (
    SELECT FROM jsonb_each(p_weights) AS w(k, v)
    WHERE w.k <> ALL (ARRAY['vector', 'explicit', 'tags', 'behavioral', 'collaborative', 'ease', 'als', 'sequence',
                            'keyword', 'engagement', 'popularity', 'velocity', 'trending', 'contemporary', 'recency',
                            'location', 'creator', 'price', 'difficulty'])
       OR jsonb_typeof(w.v) <> 'number' OR (w.v #>> '{}')::float8 < 0 OR (w.v #>> '{}')::float8 > 1000);
COMMENT ON FUNCTION pgrec.strategy_weights_are_valid(jsonb) IS 'Strategy weights are {signal: number 0..1000} over the signal vocabulary.';

-- Named ranking strategies: a weight per signal plus the parameters of candidate generation
-- and re-ranking. A list function picks one (rec.feed(..., strategy)); each strategy serves one
-- list. Weights need not sum to 1: the signals that have data for the call keep their weights,
-- rescaled to sum to 1.
CREATE TABLE pgrec.strategies (
    name              text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,39}$'),
    list              text NOT NULL CHECK (list IN ('feed', 'trending', 'latest', 'similar', 'nearby', 'search',
                                                    'session', 'next')),
    description       text NOT NULL,
    weights           jsonb NOT NULL CHECK (jsonb_typeof(weights) = 'object'),
    -- false: never use anything about the user (the non-personalised feed).
    personalized      boolean NOT NULL DEFAULT true,
    -- The strategy served instead to users below the personalisation thresholds (rec.status);
    -- NULL: the same strategy for everyone.
    cold_start        text REFERENCES pgrec.strategies (name) ON UPDATE CASCADE,
    exclusion_policy  text NOT NULL REFERENCES pgrec.exclusion_policies (name) ON UPDATE CASCADE,
    -- true: popular and fresh items are always candidates, so the list is never empty while
    -- live items exist; false: only items some weighted signal supports (score > 0) are listed.
    fallback          boolean NOT NULL DEFAULT true,
    -- Age at which a history event counts 1/e as much (collaborative, interests, user vector).
    history_tau_days  double precision NOT NULL DEFAULT 30 CHECK (history_tau_days > 0),
    -- Item age at which the recency signal has fallen to 1/e.
    recency_tau_days  double precision NOT NULL DEFAULT 14 CHECK (recency_tau_days > 0),
    -- Candidates per source and call (rec._candidates): scoring costs per candidate, so this
    -- bounds the work of a call; a page deeper than the pool holds comes back short.
    candidate_limit   integer NOT NULL DEFAULT 100 CHECK (candidate_limit BETWEEN 10 AND 2000),
    -- The candidate sources the strategy draws from (pgrec.feed_signals.source); NULL: every
    -- source whose signals weigh at least 0.05. A trending list ranks the trending set only,
    -- however much a user's interests weigh in its order.
    sources           text[] CHECK (sources <@ ARRAY['collaborative', 'ease', 'als', 'sequence', 'keyword', 'trending',
                                                     'tags', 'vector', 'nearby', 'popular', 'contemporary', 'fresh',
                                                     'following']),
    -- Subtracted per higher-ranked item of the same category.
    diversity_penalty double precision NOT NULL DEFAULT 0 CHECK (diversity_penalty >= 0),
    -- At most this many items of one category in each block of category_window positions.
    max_per_category  integer NOT NULL DEFAULT 10 CHECK (max_per_category >= 1),
    category_window   integer NOT NULL DEFAULT 10 CHECK (category_window >= 1),
    -- A strategy `pgrec tune` fitted: the preset it was fitted against, when, and what replay
    -- measured (metrics.better: it beat the preset on the validation slice, so a feed asked for
    -- without a strategy serves it).
    tuned_from        text REFERENCES pgrec.strategies (name) ON DELETE CASCADE ON UPDATE CASCADE,
    fitted_at         timestamptz,
    metrics           jsonb CHECK (jsonb_typeof(metrics) = 'object'),
    -- true: refresh step feed_pools keeps the feeds of active users precomputed for this
    -- strategy too, so rec.feed(..., strategy => name) is served from them (the strategy a
    -- feed without one serves always is). Each costs one full-pipeline call per active user
    -- and rebuild.
    precomputed       boolean NOT NULL DEFAULT false,
    -- How many times an item younger than 24 hours counts what its age alone says: recency is
    -- exp(-age / recency_tau_days) while new and that divided by this factor afterwards (a
    -- marketplace's 1.5 for listings of the last day). NULL: the flat boost of
    -- rec._signal_recency, 0.8 exp(-age / tau) + 0.2 while new.
    recency_new_boost double precision CHECK (recency_new_boost BETWEEN 1 AND 100),
    -- A local product's reach: for a user with a place who declared no maximum distance, items
    -- located farther than this are left out (items without a place stay: remote work). NULL:
    -- no limit; the location signal decays over 50 km either way.
    distance_limit_km double precision CHECK (distance_limit_km > 0 AND distance_limit_km <= 20000),
    CHECK (max_per_category <= category_window),
    CONSTRAINT strategies_weights_signals CHECK (pgrec.strategy_weights_are_valid(weights))
);
COMMENT ON TABLE pgrec.strategies IS 'Ranking strategies: the list they serve, signal weights, exclusion policy and ranking parameters.';

-- Business rules: boost (positive) or bury (negative) items that match every condition given
-- (a tag, a creator, attributes the item's attributes contain), between starts_at and ends_at.
-- The boost is added to the final score, whose signal part is 0..1, so 0.2 lifts an item
-- noticeably and -1 sends it to the bottom. Rules apply to every strategy unless one is named.
CREATE TABLE pgrec.rules (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    boost      double precision NOT NULL CHECK (boost BETWEEN -1 AND 1 AND boost <> 0),
    tag_id     integer REFERENCES pgrec.tags (id),
    creator_id text,
    attributes jsonb CHECK (jsonb_typeof(attributes) = 'object'),
    strategy   text REFERENCES pgrec.strategies (name) ON DELETE CASCADE ON UPDATE CASCADE,
    starts_at  timestamptz,
    ends_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (num_nonnulls(tag_id, creator_id, attributes) >= 1),
    CHECK (starts_at IS NULL OR ends_at IS NULL OR starts_at < ends_at)
);
COMMENT ON TABLE pgrec.rules IS 'Boost or bury rules: items matching tag/creator/attributes get boost added to their score while active.';
