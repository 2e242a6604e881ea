-- Trending scores for one window, as of a given time: the one definition behind the refresh
-- step trending (pgrec.trending, 24 hours) and rec.trending(window => ...) for other windows.
--
-- For each item with events in the last two windows:
--   recent    sum of event weights (pgrec.event_types: a like is worth 4 views) in
--             (as_of - window, as_of], clamped at 0 so dismissals cannot go negative
--   previous  the same for the window before it, (as_of - 2 window, as_of - window]
--   velocity  recent * (recent + 1) / (recent + previous + 1): the recent volume times the
--             share of the two windows' engagement that is recent. A burst out of nowhere
--             keeps all of its volume, an item that was just as busy the window before keeps
--             about half, a cooling one less.
--   damping   1 / sqrt(1 + age_days / 30): an item created a year ago needs several times the
--             burst of a new one to trend as high (an old favourite's steady traffic is
--             popularity, not news).
--   score     velocity * damping, scaled so the best item has 1 (0..1 blends easily).
-- Only items with recent engagement are listed. When nothing has any (a quiet catalogue, a
-- replay before the first event), the list falls back to plain popularity: the 1000 most
-- engaging items of pgrec.item_stats, basis 'popularity'.
--
-- Cost: only the events of the two windows are read: the monthly partitions they overlap
-- (the others are pruned) and, inside those, the BRIN index on occurred_at (rows arrive in
-- time order), never the whole history.
-- PL/pgSQL, not SQL: Citus cannot plan the parameterized queries of a SQL function over
-- distributed or reference tables (0A000), and PL/pgSQL plans them with the values.
CREATE FUNCTION rec._trending_scores(p_as_of timestamptz, p_window interval)
RETURNS TABLE (item_id bigint, score double precision, raw_score double precision,
               recent double precision, previous double precision, recent_events bigint,
               age_days double precision, basis text)
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH windowed AS (
        SELECT e.item_id,
               greatest(coalesce(sum(e.weight::double precision) FILTER (WHERE e.occurred_at > p_as_of - p_window), 0), 0) AS recent,
               greatest(coalesce(sum(e.weight::double precision) FILTER (WHERE e.occurred_at <= p_as_of - p_window), 0), 0) AS previous,
               count(*) FILTER (WHERE e.occurred_at > p_as_of - p_window) AS recent_events
        FROM pgrec.weighted_events AS e
        WHERE e.occurred_at > p_as_of - 2 * p_window
          AND e.occurred_at <= p_as_of
        GROUP BY e.item_id
    ),
    velocity AS (
        SELECT w.item_id, w.recent, w.previous, w.recent_events,
               greatest(extract(epoch FROM p_as_of - i.created_at)::double precision / 86400, 0) AS age_days
        FROM windowed AS w
        -- One primary-key probe per item with events (thousands), never a scan of the wide
        -- items table (embeddings make it the largest after events), which a plain join
        -- tends to choose when the estimate of engaged items is low.
        CROSS JOIN LATERAL (SELECT x.created_at FROM pgrec.items AS x
                            WHERE x.id = w.item_id AND pgrec.is_live(x.status, x.created_at, x.expires_at, p_as_of) LIMIT 1) AS i
        WHERE w.recent > 0
    ),
    popularity AS (
        SELECT s.item_id, s.engagement_score,
               greatest(extract(epoch FROM p_as_of - i.created_at)::double precision / 86400, 0) AS age_days
        FROM pgrec.item_stats AS s
        JOIN pgrec.items AS i ON i.id = s.item_id
        WHERE NOT EXISTS (SELECT FROM velocity)
          AND s.engagement_score > 0
          AND pgrec.is_live(i.status, i.created_at, i.expires_at, p_as_of)
        ORDER BY s.engagement_score DESC, s.item_id
        LIMIT 1000
    ),
    scored AS (
        SELECT v.item_id,
               v.recent * (v.recent + 1) / (v.recent + v.previous + 1) / sqrt(1 + v.age_days / 30) AS raw_score,
               v.recent, v.previous, v.recent_events, v.age_days, 'velocity' AS basis
        FROM velocity AS v
        UNION ALL
        SELECT p.item_id, p.engagement_score, 0::double precision, 0::double precision, 0::bigint, p.age_days, 'popularity'
        FROM popularity AS p
    )
    SELECT s.item_id,
           s.raw_score / max(s.raw_score) OVER (),
           s.raw_score, s.recent, s.previous, s.recent_events, s.age_days, s.basis
    FROM scored AS s;
END;
$$;
COMMENT ON FUNCTION rec._trending_scores(timestamptz, interval) IS
'Internal: trending scores (0..1) for a window as of a time: recent vs previous window engagement, damped by item age; popularity fallback when nothing has recent engagement.';
