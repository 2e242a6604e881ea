-- How much we know about a user as of p_now. With p_cap, counting stops at p_cap (rec.feed
-- only needs to know whether a threshold is reached, not how far beyond a heavy user is).
CREATE FUNCTION rec._user_counts(p_user_id bigint, p_now timestamptz, p_cap integer DEFAULT NULL,
                                 OUT events bigint, OUT positive_events bigint,
                                 OUT preferred_tags bigint, OUT blocked_tags bigint)
LANGUAGE sql
STABLE
SET search_path = pg_catalog, public
AS $$
    SELECT (SELECT count(*) FROM (SELECT FROM pgrec.events AS e
                                  WHERE e.user_id = p_user_id AND e.occurred_at <= p_now LIMIT p_cap) AS x),
           (SELECT count(*) FROM (SELECT FROM pgrec.weighted_events AS e
                                  WHERE e.user_id = p_user_id AND e.occurred_at <= p_now AND e.polarity > 0
                                  LIMIT p_cap) AS x),
           (SELECT count(*) FROM pgrec.user_tags AS ut WHERE ut.user_id = p_user_id AND NOT ut.blocked),
           (SELECT count(*) FROM pgrec.user_tags AS ut WHERE ut.user_id = p_user_id AND ut.blocked);
$$;
COMMENT ON FUNCTION rec._user_counts(bigint, timestamptz, integer) IS
'Internal: a user''s events, positive events, preferred and blocked tags as of p_now (event counts capped at p_cap when given).';
