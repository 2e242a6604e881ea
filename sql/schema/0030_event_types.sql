-- Interaction types and what each is worth. Every score that sums events reads this table, so
-- a DBA can re-weight behaviour without touching code (seed rows: sql/seed/0010_event_types.sql).
CREATE TABLE pgrec.event_types (
    type          text PRIMARY KEY CHECK (type ~ '^[a-z][a-z0-9_]{0,39}$'),
    weight        real NOT NULL CHECK (weight BETWEEN -100 AND 100),
    -- +1 signals interest, -1 rejection, 0 exposure only (a view says little on its own).
    polarity      smallint NOT NULL CHECK (polarity IN (-1, 0, 1)),
    -- Value-driven types (ratings) score weight * (value - neutral_value): a 5-star rating
    -- is +4, a 1-star -4, and the sign sets the polarity.
    neutral_value real,
    -- The values rec.track accepts for this type (a rating scale); NULL: the general bound.
    min_value     real,
    max_value     real,
    description   text NOT NULL DEFAULT '',
    CHECK (neutral_value IS NULL OR (min_value IS NOT NULL AND max_value IS NOT NULL)),
    CHECK (min_value IS NULL OR max_value IS NULL OR min_value <= max_value),
    CHECK (neutral_value IS NULL OR neutral_value BETWEEN min_value AND max_value)
);
COMMENT ON TABLE pgrec.event_types IS 'Event types with their weight and polarity; value-driven when neutral_value is set; accepted value range.';
