-- The event types a fresh installation knows (pgrec.event_types). A DBA may re-weight them or
-- add types; rec.track accepts any type listed here.
INSERT INTO pgrec.event_types (type, weight, polarity, neutral_value, min_value, max_value, description) VALUES
    ('view',     1,  0, NULL, NULL, NULL, 'item was shown or opened'),
    ('click',    2,  1, NULL, NULL, NULL, 'user clicked through'),
    ('like',     4,  1, NULL, NULL, NULL, 'explicit like'),
    ('save',     5,  1, NULL, NULL, NULL, 'saved or bookmarked'),
    ('share',    3,  1, NULL, NULL, NULL, 'shared with someone'),
    ('apply',   10,  1, NULL, NULL, NULL, 'applied, bought or enrolled: the strongest intent'),
    ('complete', 8,  1, NULL, NULL, NULL, 'finished (a lesson, a course, an order)'),
    ('rate',     2,  1,    3,  0.5,    5, 'rating 0.5..5; weight * (value - 3)'),
    ('dismiss', -5, -1, NULL, NULL, NULL, 'not interested');
