-- Refresh steps of the feeds: trending right after the stats it falls back on, transitions
-- after the neighbours.
INSERT INTO pgrec.refresh_steps (step, position, description) VALUES
    ('trending',    150, 'trending items over the last 24 hours (matview pgrec.trending, refreshed concurrently)'),
    ('transitions', 250, 'what users did next after each item (pgrec.item_transitions)');
