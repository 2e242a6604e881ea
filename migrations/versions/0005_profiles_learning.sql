-- Profiles, learning and consent: profile versions, behaviour interests and their history with
-- the feedback rules behind them; learning paths, paces, adaptive difficulty, achievements and
-- recommendation types; consent per purpose and the audit log. New tables, a view and an index
-- on items; new seed rows (the difficulty signal and its phrase, feed strategies per
-- recommendation type and for rec.rank, the refresh step profiles). Nothing existing changes.
-- Frozen once released: later changes are new revisions.

-- pgrec.feedback_rules: implicit feedback (dwell, scroll) as strength, edited by a DBA.
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

-- A learning path: ordered modules (any items), written with rec.upsert_paths.
CREATE TABLE pgrec.learning_paths (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id text NOT NULL UNIQUE CHECK (length(external_id) BETWEEN 1 AND 200),
    title       text NOT NULL DEFAULT '' CHECK (length(title) <= 1000),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 20000),
    attributes  jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
COMMENT ON TABLE pgrec.learning_paths IS 'Learning paths: ordered modules (pgrec.path_modules), title, description, attributes.';

-- The modules of a path in order. prerequisites: items (by id) the step needs besides the
-- item's own attributes.prerequisites; those in the path come before the step.
CREATE TABLE pgrec.path_modules (
    path_id       bigint NOT NULL REFERENCES pgrec.learning_paths (id) ON DELETE CASCADE,
    position      integer NOT NULL CHECK (position >= 1),
    item_id       bigint NOT NULL REFERENCES pgrec.items (id) ON DELETE CASCADE,
    prerequisites bigint[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (path_id, position),
    UNIQUE (path_id, item_id)
);
COMMENT ON TABLE pgrec.path_modules IS 'Modules of a learning path in order, with prerequisites beyond the items'' own.';
-- Deleting an item removes it from the paths that hold it.
CREATE INDEX path_modules_item ON pgrec.path_modules (item_id);

-- Learning paces (users.attributes.pace): how many lessons the next session proposes and how
-- much time a day the estimate of the rest of a path assumes.
CREATE TABLE pgrec.learning_paces (
    pace                text PRIMARY KEY CHECK (pace ~ '^[a-z][a-z0-9_]{0,39}$'),
    lessons_per_session integer NOT NULL CHECK (lessons_per_session BETWEEN 1 AND 20),
    minutes_per_day     double precision NOT NULL CHECK (minutes_per_day > 0 AND minutes_per_day <= 1440),
    is_default          boolean NOT NULL DEFAULT false,
    description         text NOT NULL DEFAULT ''
);
COMMENT ON TABLE pgrec.learning_paces IS 'Learning paces: lessons proposed per session and minutes a day assumed; is_default for learners without one.';
CREATE UNIQUE INDEX learning_paces_one_default ON pgrec.learning_paces (is_default) WHERE is_default;

-- The constants of adaptive difficulty (one row; the formula is in rec._difficulty_target):
-- the latest `recent` scored completions within window_days count, each older one `decay`
-- times the next; a score of target_score (0..100) says the level was right, score_gain
-- levels per 100 points above or below it move the target, and time_gain levels per unit of
-- (time spent / estimated duration - 1) move it down when lessons take longer than estimated.
CREATE TABLE pgrec.difficulty_settings (
    id           boolean PRIMARY KEY DEFAULT true CHECK (id),
    recent       integer NOT NULL CHECK (recent BETWEEN 1 AND 100),
    window_days  integer NOT NULL CHECK (window_days BETWEEN 1 AND 3650),
    decay        double precision NOT NULL CHECK (decay > 0 AND decay <= 1),
    target_score double precision NOT NULL CHECK (target_score BETWEEN 0 AND 100),
    score_gain   double precision NOT NULL CHECK (score_gain BETWEEN 0 AND 10),
    time_gain    double precision NOT NULL CHECK (time_gain BETWEEN 0 AND 10),
    min_level    double precision NOT NULL,
    max_level    double precision NOT NULL,
    CHECK (min_level < max_level)
);
COMMENT ON TABLE pgrec.difficulty_settings IS 'Adaptive difficulty constants (one row): recent scored completions, decay, target score, gains, level range.';

-- Achievements, computed from events when asked (rec.achievements):
--   completions  distinct items completed (of attributes.type = item_type, when set)
--   streak_days  consecutive active days (the longest run so far)
--   mastery      distinct items carrying one tag of kind tag_kind completed with a score of at
--                least min_score, in the best such tag
--   events       events of event_type
-- target is the count that unlocks it.
CREATE TABLE pgrec.achievements (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,39}$'),
    position    integer NOT NULL,
    title       text NOT NULL,
    description text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('completions', 'streak_days', 'mastery', 'events')),
    target      integer NOT NULL CHECK (target BETWEEN 1 AND 100000),
    item_type   text,
    tag_kind    text,
    min_score   real CHECK (min_score BETWEEN 0 AND 100),
    event_type  text REFERENCES pgrec.event_types (type) ON DELETE CASCADE ON UPDATE CASCADE,
    active      boolean NOT NULL DEFAULT true,
    CHECK ((kind = 'mastery') = (tag_kind IS NOT NULL)),
    CHECK ((kind = 'events') = (event_type IS NOT NULL)),
    CHECK (item_type IS NULL OR kind IN ('completions', 'mastery'))
);
COMMENT ON TABLE pgrec.achievements IS 'Achievement definitions: kind (completions, streak_days, mastery, events), target and filters.';

-- Achievements a user claimed (rec.claim_achievement), with when they were unlocked.
CREATE TABLE pgrec.achievement_claims (
    user_id     bigint NOT NULL REFERENCES pgrec.users (id) ON DELETE CASCADE,
    achievement text NOT NULL REFERENCES pgrec.achievements (name) ON DELETE CASCADE ON UPDATE CASCADE,
    unlocked_at timestamptz NOT NULL,
    claimed_at  timestamptz NOT NULL,
    PRIMARY KEY (user_id, achievement)
);
COMMENT ON TABLE pgrec.achievement_claims IS 'Claimed achievements per user: when unlocked and when claimed.';

-- Recommendation types, each served by a feed strategy: rec.feed(user, type => 'content-based')
-- and GET /v1/users/{id}/feed?type=content-based.
CREATE TABLE pgrec.recommendation_types (
    type        text PRIMARY KEY CHECK (type ~ '^[a-z][a-z0-9-]{0,39}$'),
    strategy    text NOT NULL REFERENCES pgrec.strategies (name) ON UPDATE CASCADE,
    description text NOT NULL
);
COMMENT ON TABLE pgrec.recommendation_types IS 'Recommendation types (content-based, collaborative, trending, sequential) and the feed strategy serving each.';

-- "The lessons of this module" (attributes.module), for a learner's progress through a path:
-- without it every progress call would scan the catalogue.
CREATE INDEX items_module ON pgrec.items ((attributes ->> 'module')) WHERE attributes ? 'module';

-- The purposes a user may consent to, and what holds without an answer. personalization:
-- lists use the user's history and preferences (with it withdrawn the user gets what a visitor
-- gets, like preferences.personalization = false; blocked tags still apply). analytics: the
-- user counts in rec.analytics. An installation that needs opt-in sets default_granted false.
CREATE TABLE pgrec.consent_purposes (
    purpose         text PRIMARY KEY CHECK (purpose ~ '^[a-z][a-z0-9_]{0,39}$'),
    default_granted boolean NOT NULL,
    description     text NOT NULL
);
COMMENT ON TABLE pgrec.consent_purposes IS 'Consent purposes (personalization, analytics) and what applies without an answer.';

-- A user's answer per purpose (rec.upsert_consents); updated_at is when they gave it.
CREATE TABLE pgrec.consents (
    user_id    bigint NOT NULL REFERENCES pgrec.users (id) ON DELETE CASCADE,
    purpose    text NOT NULL REFERENCES pgrec.consent_purposes (purpose) ON DELETE CASCADE ON UPDATE CASCADE,
    granted    boolean NOT NULL,
    updated_at timestamptz NOT NULL CHECK (isfinite(updated_at)),
    PRIMARY KEY (user_id, purpose)
);
COMMENT ON TABLE pgrec.consents IS 'Consent answers per user and purpose.';

-- Profile-affecting and privacy actions: preference and onboarding changes, consent, exports,
-- erasures, tombstones lifted, profiles rebuilt after a rule change. Readable by pgrec_admin
-- (rec.audit_log). No foreign key to pgrec.users: the log outlives the user. It names the user
-- by a SHA-256 digest of their id (rec._user_digest, as the tombstones do) and by the id
-- itself until the user is erased, when the id is cleared: the log can still answer "was this
-- person erased, when, by whom" for anyone who knows the id, without keeping it.
CREATE TABLE pgrec.audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),   -- when it happened (not rec.now())
    action      text NOT NULL CHECK (action IN ('preferences', 'onboarding', 'consent', 'export', 'forget',
                                                'unforget', 'profile_rules')),
    user_digest bytea CHECK (length(user_digest) = 32),
    user_id     text,
    actor       text NOT NULL,   -- the session's application_name, else the login role
    login_role  text NOT NULL DEFAULT session_user,
    details     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object')
);
COMMENT ON TABLE pgrec.audit_log IS 'Audit log of profile-affecting and privacy actions: when, what, whose (digest; id until erased), who, details.';
CREATE INDEX audit_log_user ON pgrec.audit_log (user_digest, at);
CREATE INDEX audit_log_at_brin ON pgrec.audit_log USING brin (at) WITH (pages_per_range = 32);

-- Seed rows.
INSERT INTO pgrec.feedback_rules (name, event_type, measure, min_value, max_value, strength, description) VALUES
    ('bounce',         'view',     'value',                NULL, 5,    -1,  'dwell under 5 seconds: a bounce, the item did not interest'),
    ('glance',         'view',     'value',                5,    30,   0.5, 'dwell of 5 to 30 seconds: a glance'),
    ('read',           'view',     'value',                30,   NULL, 2,   'dwell of 30 seconds or more: read or watched'),
    ('shallow_scroll', 'view',     'context.scroll_depth', NULL, 0.1,  -0.5, 'left near the top of the page'),
    ('deep_scroll',    'view',     'context.scroll_depth', 0.75, NULL, 1,   'read three quarters of the page or more'),
    ('poor_score',     'complete', 'value',                NULL, 40,   2,   'finished with a score under 40 (of 100): done, but it did not suit');

INSERT INTO pgrec.profile_settings (id, half_life_days, confidence_scale, history_days, expansion_kinds) VALUES
    (true, 30, 8, 365, '{category,topic,tool,tag}');

INSERT INTO pgrec.learning_paces (pace, lessons_per_session, minutes_per_day, is_default, description) VALUES
    ('relaxed',   1, 15, false, 'a lesson now and then'),
    ('steady',    2, 30, true,  'a couple of lessons most days'),
    ('intensive', 4, 60, false, 'long sessions, day after day');

INSERT INTO pgrec.difficulty_settings (id, recent, window_days, decay, target_score, score_gain, time_gain,
                                       min_level, max_level) VALUES
    (true, 10, 90, 0.8, 70, 2.5, 0.5, 1, 5);

INSERT INTO pgrec.achievements (name, position, title, description, kind, target, item_type, tag_kind, min_score,
                                event_type) VALUES
    ('first_lesson',   10, 'First lesson',      'Complete your first lesson.',                        'completions', 1,  'lesson', NULL, NULL, NULL),
    ('ten_lessons',    20, 'Ten lessons',       'Complete ten lessons.',                              'completions', 10, 'lesson', NULL, NULL, NULL),
    ('first_course',   30, 'Course finished',   'Complete a whole course.',                           'completions', 1,  'course', NULL, NULL, NULL),
    ('streak_3',       40, 'Three in a row',    'Study three days in a row.',                         'streak_days', 3,  NULL, NULL, NULL, NULL),
    ('streak_7',       50, 'A week of study',   'Study seven days in a row.',                         'streak_days', 7,  NULL, NULL, NULL, NULL),
    ('streak_30',      60, 'A month of study',  'Study thirty days in a row.',                        'streak_days', 30, NULL, NULL, NULL, NULL),
    ('subject_master', 70, 'Subject mastery',   'Complete ten lessons of one subject with 80 or more.', 'mastery',   10, 'lesson', 'category', 80, NULL),
    ('first_rating',   80, 'Critic',            'Rate something you finished.',                       'events',      1,  NULL, NULL, NULL, 'rate');


INSERT INTO pgrec.consent_purposes (purpose, default_granted, description) VALUES
    ('personalization', true, 'rank lists with the user''s history and preferences'),
    ('analytics',       true, 'count the user in aggregate analytics (rec.analytics)');

-- The difficulty signal and its reason.
INSERT INTO pgrec.feed_signals (signal, aliases, always_on, source, computed_by, description) VALUES
    ('difficulty',    '{}',            false, NULL,            'rec._signal_difficulty',
     'closeness of the item''s level (attributes.level) to the learner''s recommended difficulty (rec._difficulty_target): exp(-|level - target|), 0.5 without a level');
INSERT INTO pgrec.signal_phrases (signal, list, phrase, fallback, min_value) VALUES
    ('difficulty',    '*',        'at the right level for you', NULL, 0.75);

-- Feed strategies per recommendation type, and rec.rank's.
INSERT INTO pgrec.strategies (name, list, description, weights, personalized, cold_start, exclusion_policy, fallback,
                              history_tau_days, recency_tau_days, candidate_limit, diversity_penalty,
                              max_per_category, category_window) VALUES
    ('content_based', 'feed', 'Content-based: close to what the user engaged with and declared, at their level.',
     '{"vector": 0.35, "tags": 0.25, "explicit": 0.20, "difficulty": 0.20}',
     true, NULL, 'unseen', true, 30, 14, 100, 0.02, 8, 10),
    ('collaborative', 'feed', 'Collaborative: what users with similar histories engaged with, at the user''s level.',
     '{"ease": 0.35, "collaborative": 0.35, "als": 0.10, "difficulty": 0.10, "engagement": 0.10}',
     true, 'cold_start', 'unseen', true, 30, 14, 100, 0.02, 8, 10),
    ('trending_now', 'feed', 'Trending: what is taking off now, near the user''s interests and level.',
     '{"trending": 0.60, "velocity": 0.10, "tags": 0.15, "difficulty": 0.15}',
     true, NULL, 'unseen', true, 30, 14, 100, 0.02, 8, 10),
    ('sequential', 'feed', 'Sequential: the next-best item after the user''s latest ones, at their level.',
     '{"sequence": 0.55, "collaborative": 0.15, "difficulty": 0.20, "tags": 0.10}',
     true, NULL, 'unacted', true, 30, 14, 100, 0.02, 8, 10),
    ('rank', 'feed', 'Re-ranking a caller''s list (rec.rank): the default blend over exactly the items given.',
     '{"ease": 0.30, "collaborative": 0.20, "als": 0.10, "explicit": 0.10, "tags": 0.07, "engagement": 0.06,
       "popularity": 0.04, "recency": 0.03, "vector": 0.03, "behavioral": 0.03, "velocity": 0.01,
       "trending": 0.01, "location": 0.01, "creator": 0.01}',
     true, NULL, 'none', true, 30, 14, 100, 0, 10, 10);

INSERT INTO pgrec.recommendation_types (type, strategy, description) VALUES
    ('content-based', 'content_based', 'like what the learner engaged with and declared, at their level'),
    ('collaborative', 'collaborative', 'what learners with similar histories went on to'),
    ('trending',      'trending_now',  'what is taking off now, near the learner''s interests and level'),
    ('sequential',    'sequential',    'the next-best lesson: what learners did next after the learner''s latest items');

INSERT INTO pgrec.refresh_steps (step, position, description, runner, every, min_new_events, depends_on, in_all) VALUES
    ('profiles',         300, 'profiles rebuilt from events when the feedback rules or profile settings changed, versions older than history_days pruned (pgrec.profile_interests, pgrec.profile_history)',
     'sql', '1 day', NULL, '{}', true);
