-- Interaction types and what each is worth. Every score that sums events reads this table, so
-- a DBA can re-weight behaviour without touching code.
CREATE TABLE pgrec.event_types (
    type          text PRIMARY KEY CHECK (type ~ '^[a-z][a-z0-9_]{0,39}$'),
    weight        real NOT NULL,
    -- +1 signals interest, -1 rejection, 0 exposure only (a view says little on its own).
    polarity      smallint NOT NULL CHECK (polarity IN (-1, 0, 1)),
    -- Value-driven types (ratings) score weight * (value - neutral_value): a 5-star rating
    -- is +4, a 1-star -4, and the sign sets the polarity.
    neutral_value real,
    description   text NOT NULL DEFAULT ''
);
COMMENT ON TABLE pgrec.event_types IS 'Event types with their weight and polarity; value-driven when neutral_value is set.';

INSERT INTO pgrec.event_types (type, weight, polarity, neutral_value, description) VALUES
    ('view',     1,  0, NULL, 'item was shown or opened'),
    ('click',    2,  1, NULL, 'user clicked through'),
    ('like',     4,  1, NULL, 'explicit like'),
    ('save',     5,  1, NULL, 'saved or bookmarked'),
    ('share',    3,  1, NULL, 'shared with someone'),
    ('apply',   10,  1, NULL, 'applied, bought or enrolled: the strongest intent'),
    ('complete', 8,  1, NULL, 'finished (a lesson, a course, an order)'),
    ('rate',     2,  1,    3, 'rating 1..5; weight * (value - 3)'),
    ('dismiss', -5, -1, NULL, 'not interested');
