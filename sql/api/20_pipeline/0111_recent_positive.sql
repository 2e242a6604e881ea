-- Each user's 50 most recent positive items with an event in (p_from, p_until], and when they
-- last engaged with each: the history the co-occurrence neighbours and the user vectors are
-- built from. The cap bounds the cost on long histories (a pair count grows with the square of
-- a user's history; older taste says less about what comes next). p_user_id: one user's only
-- (a per-user history index scan, on Citus a query on that user's shard); NULL: every user's.
-- PL/pgSQL, not SQL: Citus cannot plan the parameterized queries of a SQL function over
-- distributed or reference tables (0A000), and PL/pgSQL plans them with the values. Two copies
-- of one query, because a filter "user = p OR p IS NULL" would keep the index out of the plan.
CREATE FUNCTION rec._recent_positive(p_from timestamptz, p_until timestamptz, p_user_id bigint DEFAULT NULL)
RETURNS TABLE (user_id bigint, item_id bigint, last_at timestamptz)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    IF p_user_id IS NULL THEN
        RETURN QUERY
        SELECT r.user_id, r.item_id, r.last_at
        FROM (SELECT p.*, row_number() OVER (PARTITION BY p.user_id ORDER BY p.last_at DESC, p.item_id) AS rn
              FROM (SELECT e.user_id, e.item_id, max(e.occurred_at) AS last_at
                    FROM pgrec.weighted_events AS e
                    WHERE e.polarity > 0 AND e.occurred_at > p_from AND e.occurred_at <= p_until
                    GROUP BY e.user_id, e.item_id) AS p) AS r
        WHERE r.rn <= 50;
    ELSE
        RETURN QUERY
        SELECT r.user_id, r.item_id, r.last_at
        FROM (SELECT p.*, row_number() OVER (PARTITION BY p.user_id ORDER BY p.last_at DESC, p.item_id) AS rn
              FROM (SELECT e.user_id, e.item_id, max(e.occurred_at) AS last_at
                    FROM pgrec.weighted_events AS e
                    WHERE e.polarity > 0 AND e.occurred_at > p_from AND e.occurred_at <= p_until
                      AND e.user_id = p_user_id
                    GROUP BY e.user_id, e.item_id) AS p) AS r
        WHERE r.rn <= 50;
    END IF;
END;
$$;
COMMENT ON FUNCTION rec._recent_positive(timestamptz, timestamptz, bigint) IS
'Internal: each user''s (or one user''s) 50 most recent positive items with events in (p_from, p_until], with the last engagement time.';
