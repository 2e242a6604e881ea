-- Each user's 50 most recent positive items with an event in (p_from, p_until], and when they
-- last engaged with each: the history the co-occurrence neighbours and the user vectors are
-- built from. The cap bounds the cost on long histories (a pair count grows with the square of
-- a user's history; older taste says less about what comes next). p_user_ids: only those
-- users' (a per-user history index scan, on Citus a query on their shards); NULL: every user's.
-- EXECUTE: one query text, planned with the values, with the user filter only when there is
-- one (a filter "user = ANY (p) OR p IS NULL" would keep the index out of the plan); PL/pgSQL,
-- because Citus cannot plan a SQL function's parameterized queries over distributed tables.
CREATE FUNCTION rec._recent_positive(p_from timestamptz, p_until timestamptz, p_user_ids bigint[] DEFAULT NULL)
RETURNS TABLE (user_id bigint, item_id bigint, last_at timestamptz)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY EXECUTE format($sql$
        SELECT r.user_id, r.item_id, r.last_at
        FROM (SELECT p.*, row_number() OVER (PARTITION BY p.user_id ORDER BY p.last_at DESC, p.item_id) AS rn
              FROM (SELECT e.user_id, e.item_id, max(e.occurred_at) AS last_at
                    FROM pgrec.weighted_events AS e
                    WHERE e.polarity > 0 AND e.occurred_at > $1 AND e.occurred_at <= $2 %s
                    GROUP BY e.user_id, e.item_id) AS p) AS r
        WHERE r.rn <= 50
    $sql$, CASE WHEN p_user_ids IS NOT NULL THEN 'AND e.user_id = ANY ($3)' END)
    USING p_from, p_until, p_user_ids;
END;
$$;
COMMENT ON FUNCTION rec._recent_positive(timestamptz, timestamptz, bigint[]) IS
'Internal: each user''s (or some users'') 50 most recent positive items with events in (p_from, p_until], with the last engagement time.';
