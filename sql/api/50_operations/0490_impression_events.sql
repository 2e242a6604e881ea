-- The positive events that impressions served in [p_from, p_until] led to: an event on the
-- shown item by the same user from when it was served, within p_within and up to p_now,
-- credited to the latest impression of that item before the event (a second showing takes the
-- credit from the first). The one attribution rule of the feed metrics, the analytics and the
-- experiment report; callers join its rows to the impressions they count by id (the range is
-- a bound, so it may hold more). Impressions and events are joined by user, which on Citus is
-- the shard both live on; PL/pgSQL, because Citus cannot plan a SQL function's parameterized
-- queries over distributed tables (0A000).
CREATE FUNCTION rec._impression_events(p_from timestamptz, p_until timestamptz, p_within interval,
                                       p_now timestamptz)
RETURNS TABLE (impression_id bigint, type text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY
    SELECT s.id, e.type
    FROM pgrec.impressions AS s
    JOIN pgrec.weighted_events AS e
      ON e.user_id = s.user_id AND e.item_id = s.item_id
     AND e.occurred_at >= s.served_at AND e.occurred_at <= s.served_at + p_within AND e.occurred_at <= p_now
    WHERE s.served_at >= p_from AND s.served_at <= p_until
      AND e.polarity > 0
      AND NOT EXISTS (SELECT FROM pgrec.impressions AS later
                      WHERE later.user_id = s.user_id AND later.item_id = s.item_id
                        AND later.served_at <= e.occurred_at
                        AND (later.served_at, later.id) > (s.served_at, s.id));
END;
$$;
COMMENT ON FUNCTION rec._impression_events(timestamptz, timestamptz, interval, timestamptz) IS
'Internal: (impression, positive event type) for the events credited to impressions served in a range (the latest showing before each event counts).';
