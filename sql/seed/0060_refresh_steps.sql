-- The refresh steps and their schedule (pgrec.refresh_steps). A DBA changes a cadence with
-- UPDATE pgrec.refresh_steps SET every = '10 minutes' WHERE step = 'stats'; the scheduler reads
-- it on its next tick. Steps with full_every refresh incrementally (only what changed since
-- their last run) and rebuild in full once that interval has passed since their last full run.
INSERT INTO pgrec.refresh_steps (step, position, description, runner, every, min_new_events, depends_on, in_all, full_every) VALUES
    ('event_partitions',   5, 'monthly partitions of pgrec.events ahead of time, events moved out of the default partition, retention (pgrec.event_partitioning)',
     'sql', '1 day', NULL, '{}', true, NULL),
    ('embeddings',        10, 'embed new and edited items with the configured provider (pgrec.items.embedding)',
     'python', '1 minute', NULL, '{}', true, NULL),
    ('stats',            100, 'engagement, popularity and velocity per item, creator quality, top items per tag (pgrec.item_stats, pgrec.creator_stats, pgrec.tag_top_items)',
     'sql', '1 hour', NULL, '{}', true, '1 day'),
    ('trending',         150, 'trending items over the last 24 hours (pgrec.trending)',
     'sql', '5 minutes', NULL, '{}', true, NULL),
    ('itemknn',          200, 'SQL item-item model over all history: typed interaction strengths, time decay, popularity-normalised (pgrec.item_neighbors, source itemknn)',
     'sql', '1 day', 5000, '{}', true, '1 day'),
    ('ease',             220, 'EASE model over the most engaged items, regularisation chosen on a hold-out (pgrec.item_neighbors source ease, pgrec.user_candidates)',
     'python', '1 day', 5000, '{}', true, NULL),
    ('als',              240, 'ALS latent factor model, for catalogues beyond EASE''s reach (pgrec.item_factors, pgrec.user_factors, pgrec.user_candidates)',
     'python', '1 day', 5000, '{}', true, NULL),
    ('transitions',      250, 'what users did next after each item (pgrec.item_transitions)',
     'sql', '1 hour', NULL, '{}', true, '1 day'),
    ('profiles',         300, 'profiles rebuilt from events when the feedback rules or profile settings changed, versions older than history_days pruned (pgrec.profile_interests, pgrec.profile_history)',
     'sql', '1 day', NULL, '{}', true, NULL),
    ('user_vectors',     400, 'user taste vectors from recent positive items (pgrec.user_vectors)',
     'sql', '1 day', 1000, '{embeddings}', true, '1 day'),
    ('feed_pools',       500, 'the feeds of active users, precomputed for the served strategy and those marked precomputed (pgrec.feed_pools)',
     'sql', '1 minute', NULL, '{}', true, NULL),
    ('tune',             900, 'pgrec tune: the blend fitted by replaying the installation''s own events (strategies tuned, tuned_cold)',
     'python', '7 days', 50000, '{}', false, NULL);
