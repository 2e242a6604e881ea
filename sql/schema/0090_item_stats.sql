-- Per-item engagement, recomputed by rec.refresh('stats'). Feeds read it instead of summing
-- events per request. engagement_score is ln(1 + sum of weights) scaled to 0..1 by the
-- catalogue maximum, so it can be blended with other 0..1 terms without further work.
CREATE TABLE pgrec.item_stats (
    item_id          bigint PRIMARY KEY REFERENCES pgrec.items (id),
    events           bigint NOT NULL,
    engagement       double precision NOT NULL,
    engagement_score double precision NOT NULL CHECK (engagement_score BETWEEN 0 AND 1),
    like_count       bigint NOT NULL,
    positive_users   bigint NOT NULL,
    last_event_at    timestamptz NOT NULL
);
COMMENT ON TABLE pgrec.item_stats IS 'Engagement per item (refresh step: stats).';

-- Cold-start and candidate lists read "most engaging first".
CREATE INDEX item_stats_score ON pgrec.item_stats (engagement_score DESC, item_id);
