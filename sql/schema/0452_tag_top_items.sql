-- For each tag, its 100 most engaging live items (refresh step feed_signals). rec.feed takes
-- preference candidates from here: reading a few short ranked lists is constant work, where
-- ranking every item carrying a popular tag would grow with the catalogue. Items newer than
-- the last refresh reach the feed through its "fresh" candidate source instead.
CREATE MATERIALIZED VIEW pgrec.tag_top_items AS
WITH clock AS (
    SELECT coalesce(nullif(current_setting('rec.as_of', true), '')::timestamptz, now()) AS now
)
SELECT tag_id, rank, item_id
FROM (SELECT t.tag_id, i.id AS item_id,
             row_number() OVER (PARTITION BY t.tag_id
                                ORDER BY coalesce(s.engagement_score, 0) DESC, i.created_at DESC, i.id) AS rank
      FROM pgrec.items i
      CROSS JOIN clock c
      CROSS JOIN LATERAL unnest(i.tag_ids) AS t(tag_id)
      LEFT JOIN pgrec.item_stats s ON s.item_id = i.id
      WHERE i.status = 'active' AND i.created_at <= c.now
        AND (i.expires_at IS NULL OR i.expires_at > c.now)) AS ranked
WHERE rank <= 100;
COMMENT ON MATERIALIZED VIEW pgrec.tag_top_items IS 'Top 100 live items per tag by engagement (refresh step: feed_signals).';
CREATE UNIQUE INDEX tag_top_items_tag_rank ON pgrec.tag_top_items (tag_id, rank);
