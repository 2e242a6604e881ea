-- Creator quality (refresh step feed_signals): how much engagement a creator's items earn.
-- A creator with one lucky item should not outrank a steady one, so the mean engagement per
-- item is shrunk towards the catalogue mean as if every creator had 3 more average items,
-- then put on a log scale and divided by the best creator's, giving 0..1.
CREATE MATERIALIZED VIEW pgrec.creator_stats AS
WITH per_item AS (
    SELECT i.creator_id, coalesce(s.engagement, 0) AS engagement
    FROM pgrec.items i
    LEFT JOIN pgrec.item_stats s ON s.item_id = i.id
    WHERE i.creator_id IS NOT NULL
),
prior AS (
    SELECT coalesce(avg(engagement), 0) AS mean FROM per_item
),
per_creator AS (
    SELECT p.creator_id, count(*) AS items, sum(p.engagement) AS engagement,
           (sum(p.engagement) + 3 * min(pr.mean)) / (count(*) + 3) AS smoothed
    FROM per_item p CROSS JOIN prior pr
    GROUP BY p.creator_id
)
SELECT creator_id, items, engagement,
       coalesce(ln(1 + smoothed) / nullif(max(ln(1 + smoothed)) OVER (), 0), 0) AS score
FROM per_creator;
COMMENT ON MATERIALIZED VIEW pgrec.creator_stats IS 'Creator quality score 0..1 from the engagement of their items (refresh step: feed_signals).';
CREATE UNIQUE INDEX creator_stats_creator ON pgrec.creator_stats (creator_id);
