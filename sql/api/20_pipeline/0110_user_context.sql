-- Everything a list may need to know about its user, computed once per call by
-- rec._user_context, the one resolver every list uses. A visitor (unknown user, or no user)
-- and a user who switched personalisation off get an empty history: nothing about them is
-- used, except the tags they blocked, which are a filter they asked for.
CREATE TYPE rec.user_context AS (
    id                  bigint,      -- internal id; NULL for visitors
    external_id         text,
    personal            boolean,     -- a known user with personalisation on
    cold                boolean,     -- below the personalisation thresholds (rec._cold_start_thresholds)
    lat                 double precision,
    lon                 double precision,
    max_distance_km     double precision,
    price_min           numeric,
    price_max           numeric,
    blocked_tags        integer[],
    pref_tags           integer[],           -- declared preferred tags ...
    pref_weights        double precision[],  -- ... each worth user weight x tag-kind weight
    pref_norm           double precision,    -- the largest of those weights
    interest_tags       integer[],           -- top 20 interest tags (history + declared) ...
    interest_weights    double precision[],  -- ... scaled so the strongest is 1
    positive_items      bigint[],            -- items with a positive event, strongest first ...
    positive_strengths  double precision[],  -- ... best event weight, decayed with age ...
    positive_events     bigint[],            -- ... and the id of the latest positive event
    recent_items        bigint[],            -- the 5 latest distinct items not dismissed, newest first
    interacted_items    bigint[],            -- every item with any event
    acted_items         bigint[],            -- every item with an event beyond exposure
    dismissed_items     bigint[],            -- every item with a negative event
    viewed_items        bigint[],            -- only ever exposed (interacted, not acted)
    liked_creators      text[],              -- creators of the positive items ...
    liked_creator_items integer[],           -- ... and how many of their items the user liked
    vector              public.vector,       -- taste vector (stored or from history), NULL if none
    latest_at           timestamptz,         -- the user's latest event, NULL if none
    followed_creators   text[]               -- creators the user follows now (pgrec.follows), latest first
);
COMMENT ON TYPE rec.user_context IS 'Internal: a list''s user: preferences, interests, history, exclusions, vector.';
