-- Profiles: what pgrec believes a user is into, kept as data a person (or a DBA, or an auditor)
-- can read: rec.profile(user) and rec.profile_history(user). The lists compute their own
-- interests from events per call (rec._user_context, with each strategy's decay); the profile
-- is the durable, explainable record of the same behaviour, with implicit feedback (dwell
-- time, scroll depth) read through rules a DBA edits, a version that moves on every change,
-- and a history of what changed. rec.search expands queries from it.

-- How implicit feedback counts. An event's strength for the profile is the sum of the
-- strengths of the rules of its type that match it: a measure (the event's value, or a number
-- in its context) within [min_value, max_value). An event no rule of its type matches counts
-- its type's weight (pgrec.weighted_events: like 4, dismiss -5, a 2-star rating -2), except
-- exposures (views), which count nothing by themselves: a page opened says little until its
-- dwell time says more. Seed rows: sql/seed/0080_profiles.sql. After editing the rules,
-- SELECT rec.refresh('profiles') recomputes every profile from the events.
CREATE TABLE pgrec.feedback_rules (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,39}$'),
    event_type  text NOT NULL REFERENCES pgrec.event_types (type) ON DELETE CASCADE ON UPDATE CASCADE,
    -- 'value', or 'context.KEY' for a number the event carries in its context.
    measure     text NOT NULL CHECK (measure = 'value' OR measure ~ '^context\.[a-z_][a-z0-9_]{0,39}$'),
    min_value   double precision CHECK (min_value > -1e6),   -- NULL: no lower bound
    max_value   double precision CHECK (max_value < 1e6),    -- NULL: no upper bound (exclusive)
    strength    double precision NOT NULL CHECK (strength BETWEEN -100 AND 100),
    description text NOT NULL DEFAULT '',
    CHECK (min_value IS NOT NULL OR max_value IS NOT NULL),
    CHECK (min_value IS NULL OR max_value IS NULL OR min_value < max_value)
);
COMMENT ON TABLE pgrec.feedback_rules IS 'Implicit feedback rules: an event type, a measure (value or context.KEY), a range [min, max) and the strength it adds to the profile.';

-- The profile's constants, one row. half_life_days: behaviour counts half as much after that
-- long. confidence_scale: the decayed strength at which a behaviour interest's confidence is
-- 1 - 1/e (two likes, at 8). history_days: how long profile versions are kept (the refresh
-- step profiles deletes older ones). expansion_kinds: the tag kinds whose interests rec.search
-- may add to a query (subjects, not forms: "video" or "beginner" would only blur it).
CREATE TABLE pgrec.profile_settings (
    id               boolean PRIMARY KEY DEFAULT true CHECK (id),
    half_life_days   double precision NOT NULL CHECK (half_life_days > 0 AND half_life_days <= 3650),
    confidence_scale double precision NOT NULL CHECK (confidence_scale > 0 AND confidence_scale <= 1000),
    history_days     integer NOT NULL CHECK (history_days BETWEEN 1 AND 36500),
    expansion_kinds  text[] NOT NULL
);
COMMENT ON TABLE pgrec.profile_settings IS 'Profile constants (one row): behaviour half-life, confidence scale, how long versions are kept.';

-- One row per user with a profile: its version (1 at the first change, +1 on every call that
-- changes it), when it last changed, and running counts of the events it was built from.
-- last_xact: the transaction that made the current version; a second change in the same
-- transaction is part of that version, so one call is one version.
CREATE TABLE pgrec.profiles (
    user_id         bigint PRIMARY KEY REFERENCES pgrec.users (id) ON DELETE CASCADE,
    version         bigint NOT NULL CHECK (version >= 1),
    updated_at      timestamptz NOT NULL,
    events          bigint NOT NULL DEFAULT 0,
    positive_events bigint NOT NULL DEFAULT 0,
    negative_events bigint NOT NULL DEFAULT 0,
    last_xact       xid8 NOT NULL
);
COMMENT ON TABLE pgrec.profiles IS 'Per user: profile version, last change, counts of the events behind it.';

-- Behaviour interests per user and tag: the sum of the strengths of the user's events on items
-- carrying the tag, each halved per half_life_days of age, as of as_of (the latest event
-- counted). Read at a time t it is strength * 2^-((t - as_of) / half_life). Negative strength is
-- an aversion (bounces, dismissals, poor ratings). Kept up to date by rec.track, rebuilt by the
-- refresh step profiles.
CREATE TABLE pgrec.profile_interests (
    user_id   bigint NOT NULL REFERENCES pgrec.users (id) ON DELETE CASCADE,
    tag_id    integer NOT NULL REFERENCES pgrec.tags (id) ON DELETE CASCADE,
    strength  double precision NOT NULL,
    as_of     timestamptz NOT NULL,
    events    integer NOT NULL CHECK (events >= 1),   -- how many events it rests on
    PRIMARY KEY (user_id, tag_id)
);
COMMENT ON TABLE pgrec.profile_interests IS 'Behaviour interests per user and tag: decayed sum of event strengths as of as_of (negative: aversion).';

-- What changed in each version: cause (events, preferences, onboarding, consent, rules) and
-- the changes themselves ({"events": 3, "interests": {"tag": delta}} or the preferences that
-- changed and their new values). One row per version.
CREATE TABLE pgrec.profile_history (
    user_id    bigint NOT NULL REFERENCES pgrec.users (id) ON DELETE CASCADE,
    version    bigint NOT NULL,
    changed_at timestamptz NOT NULL,
    cause      text NOT NULL CHECK (cause IN ('events', 'preferences', 'onboarding', 'consent', 'rules')),
    changes    jsonb NOT NULL CHECK (jsonb_typeof(changes) = 'object'),
    PRIMARY KEY (user_id, version)
);
COMMENT ON TABLE pgrec.profile_history IS 'Profile versions: when, why (events, preferences, onboarding, consent, rules) and what changed.';
-- Pruning by age (the refresh step profiles).
CREATE INDEX profile_history_changed_brin ON pgrec.profile_history USING brin (changed_at) WITH (pages_per_range = 32);

-- Every event with its strength for the profile, by the rules above: the sum of the matching
-- rules of its type, else the type's weight (exposures: 0). One definition for rec.track's
-- update and for the rebuild (the refresh step profiles); `rules` names the rules that matched.
CREATE VIEW pgrec.profile_event_strengths AS
SELECT e.id,
       e.user_id,
       e.item_id,
       e.occurred_at,
       coalesce(r.strength, CASE WHEN w.polarity = 0 THEN 0 ELSE w.weight END)::double precision AS strength,
       r.rules
FROM pgrec.events AS e
JOIN pgrec.event_types AS t ON t.type = e.type
CROSS JOIN LATERAL (SELECT CASE WHEN t.neutral_value IS NULL THEN t.weight
                                ELSE t.weight * (coalesce(e.value, t.neutral_value) - t.neutral_value) END AS weight,
                           CASE WHEN t.neutral_value IS NULL THEN t.polarity
                                ELSE sign(coalesce(e.value, t.neutral_value) - t.neutral_value) END AS polarity) AS w
LEFT JOIN LATERAL (SELECT sum(f.strength) AS strength, array_agg(f.name ORDER BY f.name) AS rules
                   FROM pgrec.feedback_rules AS f
                   CROSS JOIN LATERAL (SELECT CASE WHEN f.measure = 'value' THEN e.value::double precision
                                                   WHEN jsonb_typeof(e.context -> substr(f.measure, 9)) = 'number'
                                                   THEN (e.context ->> substr(f.measure, 9))::double precision END AS m) AS x
                   WHERE f.event_type = e.type
                     AND x.m >= coalesce(f.min_value, '-infinity') AND x.m < coalesce(f.max_value, 'infinity')
                   HAVING count(*) > 0) AS r ON true;
COMMENT ON VIEW pgrec.profile_event_strengths IS 'Events with their profile strength (matching feedback rules, else the type''s weight; exposures 0) and the rules that matched.';
