-- Events with what they are worth, so every aggregate agrees on one definition:
--   weight    the type's weight, or weight * (value - neutral_value) for ratings;
--   polarity  +1 interest, -1 rejection, 0 exposure (ratings: the sign of the weight).
CREATE VIEW pgrec.weighted_events AS
SELECT e.id,
       e.user_id,
       e.item_id,
       e.type,
       e.value,
       e.occurred_at,
       CASE WHEN t.neutral_value IS NULL THEN t.weight
            ELSE t.weight * (coalesce(e.value, t.neutral_value) - t.neutral_value)
       END AS weight,
       CASE WHEN t.neutral_value IS NULL THEN t.polarity
            ELSE sign(coalesce(e.value, t.neutral_value) - t.neutral_value)::smallint
       END AS polarity
FROM pgrec.events e
JOIN pgrec.event_types t ON t.type = e.type;
COMMENT ON VIEW pgrec.weighted_events IS 'Events with effective weight and polarity from pgrec.event_types.';
