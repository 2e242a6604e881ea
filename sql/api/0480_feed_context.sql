-- Everything rec.feed and rec.explain know about one call, computed once by
-- rec._feed_context and handed to the candidate and scoring functions. A type rather than a
-- long parameter list so the pieces stay in step.
CREATE TYPE rec.feed_context AS (
    now                 timestamptz,
    strategy            text,        -- the strategy asked for
    weights_from        text,        -- where the weights came from: a strategy name or 'override'
    weights             jsonb,       -- {signal: weight} of the active signals, summing to 1
    personal            boolean,     -- the user's own data is used
    cold_start          boolean,     -- below the personalisation threshold: the cold_start blend
    user_id             bigint,      -- internal id; NULL for visitors
    user_external_id    text,
    history_tau_days    double precision,
    recency_tau_days    double precision,
    candidate_limit     integer,
    diversity_penalty   double precision,
    max_per_category    integer,
    category_window     integer,
    exclude_viewed      boolean,
    user_vector         public.vector,
    lat                 double precision,
    lon                 double precision,
    max_distance_km     double precision,
    price_min           numeric,
    price_max           numeric,
    pref_tags           integer[],   -- declared preferred tags ...
    pref_weights        double precision[],  -- ... and user weight x tag-kind weight
    pref_norm           double precision,    -- the largest of those weights
    interest_tags       integer[],   -- top interest tags (history + declared) ...
    interest_weights    double precision[],  -- ... scaled so the strongest is 1
    interest_total      double precision,
    blocked_tags        integer[],
    acted_items         bigint[],    -- liked, applied, dismissed, rated ... : always excluded
    viewed_items        bigint[],    -- only ever shown (exposure events)
    liked_creators      text[],      -- creators of the user's positive items ...
    liked_creator_items integer[],   -- ... and how many of their items the user liked
    collab_items        bigint[],    -- collaborative candidates, best first ...
    collab_scores       double precision[],  -- ... scaled so the best is 1 ...
    collab_because      bigint[],    -- ... and the history item contributing most
    category_tags       integer[]    -- tag ids of kind 'category' (diversity)
);
COMMENT ON TYPE rec.feed_context IS 'Internal: the per-call state of rec.feed / rec.explain (user, strategy, weights, history).';
