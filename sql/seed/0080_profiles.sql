-- Implicit feedback a fresh installation reads (pgrec.feedback_rules) and the profile constants.
-- A view's value is the seconds spent on the item and context.scroll_depth how far down it was
-- read (0..1), as the demo worlds send them; the rules add up (a bounce that never scrolled:
-- -1.5, a long read to the end: 3). A DBA edits these rows, then runs rec.refresh('profiles').
INSERT INTO pgrec.feedback_rules (name, event_type, measure, min_value, max_value, strength, description) VALUES
    ('bounce',         'view',     'value',                NULL, 5,    -1,  'dwell under 5 seconds: a bounce, the item did not interest'),
    ('glance',         'view',     'value',                5,    30,   0.5, 'dwell of 5 to 30 seconds: a glance'),
    ('read',           'view',     'value',                30,   NULL, 2,   'dwell of 30 seconds or more: read or watched'),
    ('shallow_scroll', 'view',     'context.scroll_depth', NULL, 0.1,  -0.5, 'left near the top of the page'),
    ('deep_scroll',    'view',     'context.scroll_depth', 0.75, NULL, 1,   'read three quarters of the page or more'),
    ('poor_score',     'complete', 'value',                NULL, 40,   2,   'finished with a score under 40 (of 100): done, but it did not suit');

INSERT INTO pgrec.profile_settings (id, half_life_days, confidence_scale, history_days, expansion_kinds) VALUES
    (true, 30, 8, 365, '{category,topic,tool,tag}');
