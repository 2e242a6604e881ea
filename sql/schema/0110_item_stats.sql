-- User-independent facts about items and creators, recomputed from events by refresh steps
-- (sql/api/40_refresh). Lists read one row per candidate here instead of summing events per
-- call. Every score is 0..1 so it blends with the other signals without further work; the
-- formulas are in the refresh functions, not here.

-- Per-item engagement (refresh step stats).
CREATE TABLE pgrec.item_stats (
    item_id          bigint PRIMARY KEY REFERENCES pgrec.items (id) ON DELETE CASCADE,
    events           bigint NOT NULL,
    engagement       double precision NOT NULL,
    engagement_score double precision NOT NULL CHECK (engagement_score BETWEEN 0 AND 1),
    like_count       bigint NOT NULL,
    positive_users   bigint NOT NULL,
    popularity       double precision NOT NULL CHECK (popularity BETWEEN 0 AND 1),
    velocity         double precision NOT NULL CHECK (velocity BETWEEN 0 AND 1),
    last_event_at    timestamptz NOT NULL
);
COMMENT ON TABLE pgrec.item_stats IS 'Engagement, popularity and velocity per item, 0..1 scores (refresh step: stats).';
-- The popular candidate source and cold lists read "most engaging first".
CREATE INDEX item_stats_score ON pgrec.item_stats (engagement_score DESC, item_id);

-- Creator quality (refresh step stats): how much engagement a creator's items earn.
CREATE TABLE pgrec.creator_stats (
    creator_id text PRIMARY KEY,
    items      bigint NOT NULL,
    engagement double precision NOT NULL,
    score      double precision NOT NULL CHECK (score BETWEEN 0 AND 1)
);
COMMENT ON TABLE pgrec.creator_stats IS 'Creator quality score 0..1 from the engagement of their items (refresh step: stats).';

-- For each tag, its 100 most engaging live items (refresh step stats): the tags candidate
-- source reads a few short ranked lists, constant work, where ranking every item carrying a
-- popular tag would grow with the catalogue.
CREATE TABLE pgrec.tag_top_items (
    tag_id  integer NOT NULL REFERENCES pgrec.tags (id),
    rank    integer NOT NULL CHECK (rank >= 1),
    item_id bigint NOT NULL REFERENCES pgrec.items (id) ON DELETE CASCADE,
    PRIMARY KEY (tag_id, rank)
);
COMMENT ON TABLE pgrec.tag_top_items IS 'Top 100 live items per tag by engagement (refresh step: stats).';

-- For each calendar month (UTC), the 200 items with the most users that month (refresh step
-- stats): the signal "contemporary" sums a user's twelve months up to their latest event, so
-- what was popular when the user was active costs a dozen short arrays, not a scan of events.
CREATE TABLE pgrec.monthly_top_items (
    month date PRIMARY KEY,
    items bigint[] NOT NULL,
    users integer[] NOT NULL,
    CHECK (cardinality(items) = cardinality(users))
);
COMMENT ON TABLE pgrec.monthly_top_items IS 'Per month: the 200 items with the most users, most first (refresh step: stats).';

-- The 24-hour trending list as of its last refresh (refresh step trending, every few
-- minutes). rec.trending serves it for the default window; other windows are computed per call
-- with the same formula (rec._trending_scores).
CREATE TABLE pgrec.trending (
    item_id       bigint PRIMARY KEY REFERENCES pgrec.items (id) ON DELETE CASCADE,
    score         double precision NOT NULL CHECK (score BETWEEN 0 AND 1),
    raw_score     double precision NOT NULL,
    recent        double precision NOT NULL,
    previous      double precision NOT NULL,
    recent_events bigint NOT NULL,
    age_days      double precision NOT NULL,
    basis         text NOT NULL CHECK (basis IN ('velocity', 'popularity')),
    as_of         timestamptz NOT NULL
);
COMMENT ON TABLE pgrec.trending IS 'Trending items over the last 24 hours as of the last refresh (refresh step: trending); score 0..1.';
-- Lists read it best first.
CREATE INDEX trending_score ON pgrec.trending (score DESC, item_id);
