-- Refresh steps of the hybrid feed (see pgrec.refresh_steps in 0110).
INSERT INTO pgrec.refresh_steps (step, position, description) VALUES
    ('neighbors_history', 210, 'co-occurrence neighbours over all history for items older than the neighbors window (pgrec.item_neighbors, source history)'),
    ('feed_signals', 300, 'creator quality, per-item popularity and velocity, top items per tag (pgrec.creator_stats, pgrec.item_signals, pgrec.tag_top_items)'),
    ('user_vectors', 400, 'user taste vectors from recent positive items (pgrec.user_vectors)');
