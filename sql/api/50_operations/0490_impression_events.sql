-- The positive events an impression led to: an event on the shown item by the same user at or
-- after it was served, credited to the latest impression of that item before the event (a
-- second showing takes the credit from the first). Callers bound the delay and the clock.
-- The one attribution rule of the feed metrics, the analytics and the experiment report.
-- A plain SELECT without SET, so it is inlined into the callers' queries and joined by
-- impression id like a view.
CREATE FUNCTION rec._impression_events()
RETURNS TABLE (impression_id bigint, type text, served_at timestamptz, occurred_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT s.id, e.type, s.served_at, e.occurred_at
    FROM pgrec.impressions AS s
    JOIN pgrec.weighted_events AS e
      ON e.user_id = s.user_id AND e.item_id = s.item_id AND e.occurred_at >= s.served_at
    WHERE e.polarity > 0
      AND NOT EXISTS (SELECT FROM pgrec.impressions AS later
                      WHERE later.user_id = s.user_id AND later.item_id = s.item_id
                        AND later.served_at <= e.occurred_at
                        AND (later.served_at, later.id) > (s.served_at, s.id));
$$;
COMMENT ON FUNCTION rec._impression_events() IS
'Internal: (impression, positive event type and time) for the events credited to an impression (the latest showing before the event).';
