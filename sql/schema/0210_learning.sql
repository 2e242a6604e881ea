-- Learning: paths through a catalogue, the constants of adaptive difficulty, learners' paces,
-- achievements and the feed strategy behind each recommendation type. Content items are
-- ordinary items whose attributes say what they are (type: course | module | lesson,
-- duration_minutes, level 1..5, prerequisites: [item ids], module: the module a lesson
-- belongs to, sequence: its place there); learners are users whose attributes say their level,
-- learning_style and pace. Progress is read from events (complete, with the score 0..100 as
-- value), so nothing here copies what events already say.

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
