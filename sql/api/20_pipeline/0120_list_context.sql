-- Everything one call of a list knows, computed once by rec._list_context and handed to the
-- candidate, scoring and ranking functions. Every list fills the same fields; they differ in
-- their anchors, the things the list starts from:
--   feed      the user: their positive history, taste vector, interests, location
--   similar   one item: the item itself, its embedding, its tags
--   session   the items a visitor viewed: most recent first, their mean embedding and tags
--   next      the user's latest items, most recent first
--   nearby    a point and a radius
--   search    a query (keywords, optionally its embedding)
--   trending  a time window
-- so "collaborative" means neighbours of the anchor items, "vector" closeness to the anchor
-- vector, "tags" overlap with the anchor tags and "location" nearness to the anchor point,
-- whatever the list.
CREATE TYPE rec.list_context AS (
    list               text,
    strategy           text,                -- the strategy asked for
    weights_from       text,                -- where the weights came from: a strategy name or 'override'
    weights            jsonb,               -- {signal: weight} of the active signals, summing to 1
    w                  rec.signals,         -- the same as a row (0 for inactive signals)
    now                timestamptz,
    n                  integer,
    "offset"           integer,
    cold_start         boolean,             -- the user's cold-start strategy serves this call
    fallback           boolean,
    recency_tau_days   double precision,
    candidate_limit    integer,
    diversity_penalty  double precision,
    max_per_category   integer,
    category_window    integer,
    sources            jsonb,               -- {candidate source: how many items it proposes}
    u                  rec.user_context,
    excluded_items     bigint[],            -- the user's items the exclusion policy leaves out
    exclude_own        boolean,
    anchor_items       bigint[],            -- anchors, strongest first ...
    anchor_strengths   double precision[],  -- ... with their weight
    anchor_title       text,                -- the single anchor item's title (similar)
    anchor_vector      public.vector,
    anchor_tags        integer[],           -- tags the "tags" signal compares with ...
    anchor_tag_weights double precision[],  -- ... their weights, the strongest 1 ...
    anchor_tag_total   double precision,    -- ... and their sum
    lat                double precision,    -- anchor point
    lon                double precision,
    reach_km           double precision,    -- the distance at which "location" has decayed to exp(-3)
    hard_reach         boolean,             -- items beyond reach_km are left out ...
    located_only       boolean,             -- ... and so are items without a location
    query              text,
    tags_filter        integer[],           -- only items with any of these tags (NULL: all)
    "window"           interval,            -- trending window
    collab_items       bigint[],            -- context-computed signals: item, 0..1 value, the
    collab_values      double precision[],  -- anchor item behind it ...
    collab_because     bigint[],
    ease_items         bigint[],
    ease_values        double precision[],
    ease_because       bigint[],
    als_items          bigint[],
    als_values         double precision[],
    seq_items          bigint[],
    seq_values         double precision[],
    seq_because        bigint[],
    keyword_items      bigint[],
    keyword_values     double precision[],
    trend_items        bigint[],
    trend_values       double precision[],
    trend_recent       double precision[],
    trend_previous     double precision[],
    category_tags      integer[],           -- tag ids of kind 'category' (diversity, reasons)
    period_items       bigint[],            -- "contemporary": what was popular in the user's
    period_values      double precision[],  -- twelve months up to their latest event
    experiment         text,                -- the A/B experiment that chose the strategy, or NULL ...
    variant            text,                -- ... and the user's variant in it
    filter             rec.content_filter,  -- the call's content filter (rec._content_filter); NULL: none
    given_items        bigint[],            -- rec.rank: the caller's items are the candidates (NULL: the sources)
    difficulty_target  double precision,    -- the learner's recommended difficulty (rec._difficulty_target), NULL: none
    recency_new_boost  double precision,    -- the strategy's boost of items younger than a day (NULL: flat)
    distance_limit_km  double precision,    -- located items farther are left out (the strategy's, when the user set no maximum)
    exclusion_policy   text                 -- the exclusion policy applied (the strategy's, or the call's)
);
COMMENT ON TYPE rec.list_context IS 'Internal: the per-call state of every list (strategy, weights, user, anchors, context-computed signals).';
