-- The ranking signals rec.feed knows, by name. Strategy weight sets and per-call weight
-- overrides may only name these (or an alias), so a typo such as "colaborative" is an error
-- instead of a weight that silently does nothing. Each signal is computed by the internal
-- function named in `computed_by` (sql/api), which says how it is scaled to 0..1.
CREATE TABLE pgrec.feed_signals (
    signal      text PRIMARY KEY CHECK (signal ~ '^[a-z][a-z_]*$'),
    aliases     text[] NOT NULL DEFAULT '{}',
    -- false: the signal needs something about the user (a vector, a location, history) and
    -- drops out, its weight shared among the others, when the user has none.
    always_on   boolean NOT NULL,
    computed_by text NOT NULL,
    description text NOT NULL
);
COMMENT ON TABLE pgrec.feed_signals IS 'Ranking signals of rec.feed: names (and aliases) that strategy weights may use.';

INSERT INTO pgrec.feed_signals (signal, aliases, always_on, computed_by, description) VALUES
    ('vector',        '{content}',     false, 'rec._signal_vector',
     'cosine similarity between the user vector and the item embedding, max(0, 1 - distance)'),
    ('explicit',      '{preferences}', false, 'rec._signal_explicit',
     'declared tag preferences matched by the item, weighted per tag and per tag kind'),
    ('tags',          '{jaccard}',     false, 'rec._signal_tags',
     'weighted Jaccard overlap between the user''s interest tags (history + preferences) and the item''s tags'),
    ('behavioral',    '{}',            false, 'rec._signal_behavioral',
     'creator affinity boost minus a penalty for items already viewed'),
    ('collaborative', '{}',            false, 'rec._collaborative',
     'item-item neighbours of the user''s recent positive items, time-decayed'),
    ('engagement',    '{}',            true,  'pgrec.item_signals',
     'ln(1 + sum of event weights) over the item''s events, scaled by the catalogue maximum'),
    ('popularity',    '{}',            true,  'pgrec.item_signals',
     'like_count / max like_count'),
    ('velocity',      '{}',            true,  'pgrec.item_signals',
     'engagement in the last 7 days against the 7 days before'),
    ('trending',      '{}',            false, 'pgrec.trending',
     'the trending score (pgrec.trending), scaled by the top item'),
    ('recency',       '{}',            true,  'rec._signal_recency',
     'exp(-age_days / tau) with a boost for items younger than 24 hours'),
    ('location',      '{nearby}',      false, 'rec._signal_location',
     'exp(-distance / (max_distance / 3)) from the user''s location'),
    ('creator',       '{}',            true,  'pgrec.creator_stats',
     'creator quality: the engagement a creator''s items earn, smoothed'),
    ('price',         '{}',            false, 'rec._signal_price',
     '1 inside the user''s price range, decaying outside');
