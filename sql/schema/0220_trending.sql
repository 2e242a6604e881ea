-- The 24-hour trending list, served by rec.trending() with its default window and read by
-- the cold-start blend of rec.feed. Refreshed by rec.refresh('trending') (cheap: two days of
-- events through the BRIN index), or by hand:
--   REFRESH MATERIALIZED VIEW CONCURRENTLY pgrec.trending;
-- CONCURRENTLY (possible thanks to the unique index) keeps the previous rows readable until
-- the new ones are committed. "Now" is inlined rather than rec.now(): data objects must not
-- depend on rec, which is re-created on every API change. SET rec.as_of before a refresh
-- computes the list as of that time.
CREATE MATERIALIZED VIEW pgrec.trending AS
SELECT t.item_id, t.score, t.raw_score, t.recent, t.previous, t.recent_events, t.age_days, t.basis,
       a.as_of
FROM (SELECT coalesce(nullif(current_setting('rec.as_of', true), '')::timestamptz, now()) AS as_of) AS a
CROSS JOIN LATERAL pgrec.trending_scores(a.as_of, interval '24 hours') AS t;
COMMENT ON MATERIALIZED VIEW pgrec.trending IS
'Trending items over the last 24 hours as of the last refresh (refresh step: trending). score 0..1, higher = more trending.';

CREATE UNIQUE INDEX trending_item ON pgrec.trending (item_id);
-- rec.trending reads the list best first.
CREATE INDEX trending_score ON pgrec.trending (score DESC, item_id);
