-- Per-item signals that do not depend on the user (refresh step feed_signals), so rec.feed
-- reads one row per candidate instead of aggregating events:
--   engagement  ln(1 + sum of weights) scaled by the maximum (copied from item_stats)
--   popularity  like_count / max like_count
--   velocity    how much faster the item is engaging now: ln(1 + last 7 days) minus
--               ln(1 + the 7 days before), positive part, scaled by the maximum
-- "Now" is rec.as_of when set (the matview cannot call rec.now(): rec is re-created on
-- every API change, see sql/api/0000_README.sql).
CREATE MATERIALIZED VIEW pgrec.item_signals AS
WITH clock AS (
    SELECT coalesce(nullif(current_setting('rec.as_of', true), '')::timestamptz, now()) AS now
),
windows AS (
    SELECT e.item_id,
           greatest(coalesce(sum(e.weight) FILTER (WHERE e.occurred_at > c.now - interval '7 days'), 0), 0) AS recent,
           greatest(coalesce(sum(e.weight) FILTER (WHERE e.occurred_at <= c.now - interval '7 days'), 0), 0) AS previous
    FROM pgrec.weighted_events e
    CROSS JOIN clock c
    WHERE e.occurred_at > c.now - interval '14 days' AND e.occurred_at <= c.now
    GROUP BY e.item_id
),
speed AS (
    SELECT item_id, greatest(ln(1 + recent) - ln(1 + previous), 0) AS raw FROM windows
)
SELECT s.item_id,
       s.engagement_score AS engagement,
       coalesce(s.like_count::float8 / nullif(max(s.like_count) OVER (), 0), 0) AS popularity,
       coalesce(v.raw / nullif(max(v.raw) OVER (), 0), 0) AS velocity
FROM pgrec.item_stats s
LEFT JOIN speed v ON v.item_id = s.item_id;
COMMENT ON MATERIALIZED VIEW pgrec.item_signals IS 'User-independent item signals 0..1: engagement, popularity, velocity (refresh step: feed_signals).';
CREATE UNIQUE INDEX item_signals_item ON pgrec.item_signals (item_id);
