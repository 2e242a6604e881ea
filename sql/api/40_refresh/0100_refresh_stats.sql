-- Refresh step "stats": everything user-independent that lists read per candidate.
--   item_stats     per item: events; engagement = max(0, sum of event weights);
--                  engagement_score = ln(1 + engagement) / the catalogue's maximum;
--                  like_count; positive_users; popularity = like_count / max like_count;
--                  velocity = max(0, ln(1 + last 7 days) - ln(1 + the 7 days before)) / max
--   creator_stats  creator quality: mean engagement per item, shrunk towards the catalogue
--                  mean as if every creator had 3 more average items (one lucky item should
--                  not outrank a steady creator), on a log scale / the best creator's
--   tag_top_items  the 100 most engaging live items of each tag (the tags candidate source)
--   monthly_top_items  per calendar month, the 200 items with the most users (interest or
--                  exposure, not rejections): the signal "contemporary"
-- Recomputed from all events: totals must stop counting a forgotten user's events. Readers
-- keep the previous rows until this transaction commits (MVCC), so no list sees an empty table.
CREATE FUNCTION rec._refresh_stats()
RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp SET work_mem = '256MB'
AS $$
DECLARE
    v_now  constant timestamptz := rec.now();
    v_rows bigint;
    v_more bigint;
BEGIN
    DELETE FROM pgrec.item_stats;
    WITH totals AS (
        SELECT e.item_id,
               count(*) AS events,
               greatest(sum(e.weight), 0)::float8 AS engagement,
               count(*) FILTER (WHERE e.type = 'like') AS like_count,
               count(DISTINCT e.user_id) FILTER (WHERE e.polarity > 0) AS positive_users,
               greatest(coalesce(sum(e.weight) FILTER (WHERE e.occurred_at > v_now - interval '7 days'), 0), 0)::float8 AS recent,
               greatest(coalesce(sum(e.weight) FILTER (WHERE e.occurred_at <= v_now - interval '7 days'
                                                        AND e.occurred_at > v_now - interval '14 days'), 0), 0)::float8 AS previous,
               max(e.occurred_at) AS last_event_at
        FROM pgrec.weighted_events AS e
        WHERE e.occurred_at <= v_now
        GROUP BY e.item_id
    ),
    scaled AS (
        SELECT t.*, greatest(ln(1 + t.recent) - ln(1 + t.previous), 0) AS speed FROM totals AS t
    )
    INSERT INTO pgrec.item_stats (item_id, events, engagement, engagement_score, like_count, positive_users,
                                  popularity, velocity, last_event_at)
    SELECT s.item_id, s.events, s.engagement,
           coalesce(ln(1 + s.engagement) / nullif(max(ln(1 + s.engagement)) OVER (), 0), 0),
           s.like_count, s.positive_users,
           coalesce(s.like_count::float8 / nullif(max(s.like_count) OVER (), 0), 0),
           coalesce(s.speed / nullif(max(s.speed) OVER (), 0), 0),
           s.last_event_at
    FROM scaled AS s;
    GET DIAGNOSTICS v_rows = ROW_COUNT;

    DELETE FROM pgrec.creator_stats;
    WITH per_item AS (
        SELECT i.creator_id, coalesce(s.engagement, 0) AS engagement
        FROM pgrec.items AS i
        LEFT JOIN pgrec.item_stats AS s ON s.item_id = i.id
        WHERE i.creator_id IS NOT NULL
    ),
    prior AS (
        SELECT coalesce(avg(p.engagement), 0) AS mean FROM per_item AS p
    ),
    per_creator AS (
        SELECT p.creator_id, count(*) AS items, sum(p.engagement) AS engagement,
               (sum(p.engagement) + 3 * min(pr.mean)) / (count(*) + 3) AS smoothed
        FROM per_item AS p CROSS JOIN prior AS pr
        GROUP BY p.creator_id
    )
    INSERT INTO pgrec.creator_stats (creator_id, items, engagement, score)
    SELECT c.creator_id, c.items, c.engagement,
           coalesce(ln(1 + c.smoothed) / nullif(max(ln(1 + c.smoothed)) OVER (), 0), 0)
    FROM per_creator AS c;
    GET DIAGNOSTICS v_more = ROW_COUNT;
    v_rows := v_rows + v_more;

    DELETE FROM pgrec.tag_top_items;
    INSERT INTO pgrec.tag_top_items (tag_id, rank, item_id)
    SELECT r.tag_id, r.rank, r.item_id
    FROM (SELECT t.tag_id, i.id AS item_id,
                 row_number() OVER (PARTITION BY t.tag_id
                                    ORDER BY coalesce(s.engagement_score, 0) DESC, i.created_at DESC, i.id) AS rank
          FROM pgrec.items AS i
          CROSS JOIN LATERAL unnest(i.tag_ids) AS t(tag_id)
          LEFT JOIN pgrec.item_stats AS s ON s.item_id = i.id
          WHERE pgrec.is_live(i.status, i.created_at, i.expires_at, v_now)) AS r
    WHERE r.rank <= 100;
    GET DIAGNOSTICS v_more = ROW_COUNT;
    v_rows := v_rows + v_more;

    DELETE FROM pgrec.monthly_top_items;
    INSERT INTO pgrec.monthly_top_items (month, items, users)
    SELECT r.month, array_agg(r.item_id ORDER BY r.rank), array_agg(r.users ORDER BY r.rank)
    FROM (SELECT m.month, m.item_id, m.users,
                 row_number() OVER (PARTITION BY m.month ORDER BY m.users DESC, m.item_id) AS rank
          FROM (SELECT date_trunc('month', e.occurred_at, 'UTC')::date AS month, e.item_id,
                       count(DISTINCT e.user_id)::integer AS users
                FROM pgrec.weighted_events AS e
                WHERE e.occurred_at <= v_now AND e.polarity >= 0
                GROUP BY 1, 2) AS m) AS r
    WHERE r.rank <= 200
    GROUP BY r.month;
    GET DIAGNOSTICS v_more = ROW_COUNT;
    RETURN v_rows + v_more;
END;
$$;
COMMENT ON FUNCTION rec._refresh_stats() IS
'Refresh step stats: recompute pgrec.item_stats, pgrec.creator_stats, pgrec.tag_top_items and pgrec.monthly_top_items from events. Returns rows written.';
