-- The refresh steps and their schedule (pgrec.refresh_steps). A DBA changes a cadence with
-- UPDATE pgrec.refresh_steps SET every = '10 minutes' WHERE step = 'stats'; the scheduler reads
-- it on its next tick.
INSERT INTO pgrec.refresh_steps (step, position, description, runner, every, min_new_events, depends_on) VALUES
    ('event_partitions',   5, 'monthly partitions of pgrec.events ahead of time, events moved out of the default partition, retention (pgrec.event_partitioning)',
     'sql', '1 day', NULL, '{}'),
    ('embeddings',        10, 'embed new and edited items with the configured provider (pgrec.items.embedding)',
     'python', '1 minute', NULL, '{}'),
    ('stats',            100, 'engagement, popularity and velocity per item, creator quality, top items per tag (pgrec.item_stats, pgrec.creator_stats, pgrec.tag_top_items)',
     'sql', '1 hour', NULL, '{}'),
    ('trending',         150, 'trending items over the last 24 hours (pgrec.trending)',
     'sql', '5 minutes', NULL, '{}'),
    ('neighbors',        200, 'item-to-item co-occurrence neighbours over the last 180 days (pgrec.item_neighbors)',
     'sql', '1 day', 5000, '{}'),
    ('neighbors_history', 210, 'co-occurrence neighbours over all history for items the neighbors window leaves out (pgrec.item_neighbors, source history)',
     'sql', '1 day', NULL, '{}'),
    ('transitions',      250, 'what users did next after each item (pgrec.item_transitions)',
     'sql', '1 hour', NULL, '{}'),
    ('user_vectors',     400, 'user taste vectors from recent positive items (pgrec.user_vectors)',
     'sql', '1 day', 1000, '{embeddings}');
