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

-- The additive totals behind pgrec.item_stats (refresh step stats), kept so an incremental run
-- adds the new events instead of summing every event again: per item, as of the step's
-- snapshot and clock (pgrec.refresh_state), the events counted, their summed weight, likes,
-- distinct users with a positive event, the latest event, and the summed weight of the last 7
-- days (recent) and of the 7 before (previous). Items whose events were deleted (a forgotten
-- user) are recomputed from their remaining events.
CREATE TABLE pgrec.item_event_totals (
    item_id        bigint PRIMARY KEY REFERENCES pgrec.items (id) ON DELETE CASCADE,
    events         bigint NOT NULL,
    weight         double precision NOT NULL,
    likes          bigint NOT NULL,
    positive_users bigint NOT NULL,
    last_event_at  timestamptz NOT NULL,
    recent         double precision NOT NULL,
    previous       double precision NOT NULL
);
COMMENT ON TABLE pgrec.item_event_totals IS 'Per item: additive event totals behind item_stats, as of the stats step''s snapshot (refresh step: stats).';

-- Distinct users per calendar month (UTC) and item with an event of interest or exposure (not
-- a rejection): what pgrec.monthly_top_items ranks, kept per item so new events add to it.
CREATE TABLE pgrec.item_month_users (
    month   date NOT NULL,
    item_id bigint NOT NULL REFERENCES pgrec.items (id) ON DELETE CASCADE,
    users   integer NOT NULL CHECK (users > 0),
    PRIMARY KEY (month, item_id)
);
COMMENT ON TABLE pgrec.item_month_users IS 'Distinct non-rejecting users per month and item, behind monthly_top_items (refresh step: stats).';
-- Recomputing one item's months (its events were deleted) finds its rows by item.
CREATE INDEX item_month_users_item ON pgrec.item_month_users (item_id);
