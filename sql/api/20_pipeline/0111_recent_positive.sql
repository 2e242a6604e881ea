-- Each user's 50 most recent positive items with an event in (p_from, p_until], and when they
-- last engaged with each: the history the co-occurrence neighbours and the user vectors are
-- built from. The cap bounds the cost on long histories (a pair count grows with the square of
-- a user's history; older taste says less about what comes next). A plain SQL body without
-- SET, so the refresh queries inline it.
CREATE FUNCTION rec._recent_positive(p_from timestamptz, p_until timestamptz)
RETURNS TABLE (user_id bigint, item_id bigint, last_at timestamptz)
LANGUAGE sql STABLE
AS $$
    SELECT r.user_id, r.item_id, r.last_at
    FROM (SELECT p.*, row_number() OVER (PARTITION BY p.user_id ORDER BY p.last_at DESC, p.item_id) AS rn
          FROM (SELECT e.user_id, e.item_id, max(e.occurred_at) AS last_at
                FROM pgrec.weighted_events AS e
                WHERE e.polarity > 0 AND e.occurred_at > p_from AND e.occurred_at <= p_until
                GROUP BY e.user_id, e.item_id) AS p) AS r
    WHERE r.rn <= 50;
$$;
COMMENT ON FUNCTION rec._recent_positive(timestamptz, timestamptz) IS
'Internal: each user''s 50 most recent positive items with events in (p_from, p_until], with the last engagement time.';
