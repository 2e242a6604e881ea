-- Two applications on pgrec, an explore page and a local marketplace, and what building them
-- needed: follows of creators (pgrec.follows) as a relation the lists read, a per-request choice
-- of exclusion policy with a policy by event type (unapplied), a recency boost factor per
-- strategy, a quiz per product (onboarding questionnaires), the candidate source "following",
-- and each product's presets as strategy rows. Frozen once released: later changes are new
-- revisions.

-- Follows: a user follows a creator (the creator_id items carry), and the creator's new work
-- then reaches the user's lists (the candidate source "following" and the signal
-- "behavioral"). Written by rec.follow and rec.unfollow.
--
-- A relation, not an event type. An event is about an item, and a follow is about a creator,
-- who may have published nothing yet; events are an append-only history that every aggregate
-- sums (engagement, neighbours, trending), while a follow is a state that unfollowing ends and
-- that must not count as engagement with any item; and a list needs "whom does this user
-- follow now", one index range of this table, not a replay of follow/unfollow pairs. The
-- times are kept, so a replay (rec.as_of) sees the follows of its moment: one row per user and
-- creator, active from followed_at until unfollowed_at (NULL: still following). Following again
-- after an unfollow starts the row anew.
CREATE TABLE pgrec.follows (
    user_id       bigint NOT NULL REFERENCES pgrec.users (id) ON DELETE CASCADE,
    creator_id    text NOT NULL CHECK (length(creator_id) BETWEEN 1 AND 200),
    followed_at   timestamptz NOT NULL CHECK (isfinite(followed_at)),
    unfollowed_at timestamptz CHECK (isfinite(unfollowed_at)),
    PRIMARY KEY (user_id, creator_id),
    CHECK (unfollowed_at IS NULL OR unfollowed_at >= followed_at)
);
COMMENT ON TABLE pgrec.follows IS 'Users following creators (items.creator_id), from followed_at until unfollowed_at (NULL: still following).';

-- Erasing a creator (rec.forget_user) removes the follows that name them.
CREATE INDEX follows_creator ON pgrec.follows (creator_id);

-- Candidate source "following": a followed creator's newest items (rec._candidates).
ALTER TABLE pgrec.feed_signals DROP CONSTRAINT feed_signals_source_check;
ALTER TABLE pgrec.feed_signals ADD CONSTRAINT feed_signals_source_check
    CHECK (source IN ('collaborative', 'ease', 'als', 'sequence', 'keyword', 'trending', 'tags',
                      'vector', 'nearby', 'popular', 'contemporary', 'fresh', 'following'));
ALTER TABLE pgrec.strategies DROP CONSTRAINT strategies_sources_check;
ALTER TABLE pgrec.strategies ADD CONSTRAINT strategies_sources_check
    CHECK (sources <@ ARRAY['collaborative', 'ease', 'als', 'sequence', 'keyword', 'trending',
                            'tags', 'vector', 'nearby', 'popular', 'contemporary', 'fresh', 'following']);
UPDATE pgrec.feed_signals
SET source = 'following',
    description = 'creator affinity (items of the creator the user liked; a followed creator''s items, the newer the more) minus a penalty for items already viewed'
WHERE signal = 'behavioral';
UPDATE pgrec.signal_phrases SET phrase = 'from a creator you {relation}', fallback = 'from a creator you liked'
WHERE signal = 'behavioral' AND list = '*';

-- Exclusion by event type, and the marketplace's "seen is fine, applied is not".
ALTER TABLE pgrec.exclusion_policies ADD COLUMN event_types text[] NOT NULL DEFAULT '{}';
INSERT INTO pgrec.exclusion_policies (name, own_items, interacted, acted, dismissed, anchors, description, event_types) VALUES
    ('unapplied',   true,  false, false, true,  false,
     'listings stay after a look (or a save) until the user applies; own and dismissed ones never show', '{apply}');

-- The recency boost factor of new items, per strategy (NULL: the flat boost as before).
ALTER TABLE pgrec.strategies ADD COLUMN recency_new_boost double precision CHECK (recency_new_boost BETWEEN 1 AND 100);
-- A local product's reach when the user declared no maximum distance (NULL: no limit).
ALTER TABLE pgrec.strategies ADD COLUMN distance_limit_km double precision
    CHECK (distance_limit_km > 0 AND distance_limit_km <= 20000);

-- The applications' presets: explore and marketplace change, their families are new.
INSERT INTO pgrec.strategies (name, list, description, weights, personalized, cold_start, exclusion_policy, fallback,
                              history_tau_days, recency_tau_days, candidate_limit, sources, diversity_penalty,
                              max_per_category, category_window, recency_new_boost, distance_limit_km) VALUES
    ('explore_cold', 'feed', 'Explore page, too little data yet: trending and popular projects, with quiz answers and followed creators.',
     '{"trending": 0.35, "popularity": 0.30, "engagement": 0.15, "explicit": 0.10, "behavioral": 0.10}',
     true, NULL, 'unacted', true, 30, 14, 100, NULL, 0.02, 3, 10, NULL, NULL),
    ('explore_new', 'latest', 'Explore page "New": newest first, followed creators and matching interests a few days ahead.',
     '{"recency": 0.8, "tags": 0.1, "behavioral": 0.1}',
     true, NULL, 'undismissed', false, 30, 30, 100, '{fresh,following}', 0, 10, 10, NULL, NULL),
    ('explore_trending', 'trending', 'Explore page "Trending": engagement velocity, lightly reordered by interests and followed creators.',
     '{"trending": 1, "tags": 0.2, "behavioral": 0.1}',
     true, NULL, 'undismissed', false, 30, 14, 200, '{trending}', 0, 10, 10, NULL, NULL),
    ('marketplace_cold', 'feed', 'Local listings for seekers without history: what is near, busy and fresh, within their pay range.',
     '{"location": 0.35, "engagement": 0.20, "recency": 0.20, "tags": 0.15, "creator": 0.10, "price": 0.10}',
     true, NULL, 'unseen', true, 30, 10, 100, NULL, 0.02, 4, 10, 1.5, 100),
    ('marketplace_trending', 'trending', 'Listings gaining applications and saves, the near ones first.',
     '{"trending": 1, "location": 0.3, "tags": 0.2}',
     true, NULL, 'undismissed', false, 30, 10, 200, '{trending}', 0, 10, 10, 1.5, NULL),
    ('marketplace_nearby', 'nearby', 'Listings around a point: distance, then interests, engagement, freshness and poster quality.',
     '{"location": 0.5, "tags": 0.2, "engagement": 0.1, "recency": 0.1, "creator": 0.1}',
     true, NULL, 'undismissed', false, 30, 10, 300, '{nearby}', 0, 10, 10, 1.5, NULL),
    ('marketplace_similar', 'similar', 'Listings like a given one: shared tags, content and co-engagement, the near ones first.',
     '{"tags": 0.35, "vector": 0.3, "collaborative": 0.2, "location": 0.15}',
     true, NULL, 'unseen', false, 30, 10, 50, NULL, 0, 10, 10, NULL, NULL);

UPDATE pgrec.strategies
SET description = 'Explore page "For You": content similarity, declared interests and behaviour (liked and followed creators) over what is popular.',
    cold_start = 'explore_cold'
WHERE name = 'explore';
UPDATE pgrec.strategies
SET description = 'Local listings: distance first, then interests, engagement, freshness, poster quality and pay.',
    weights = '{"location": 0.25, "tags": 0.20, "engagement": 0.15, "recency": 0.10, "creator": 0.10,
       "collaborative": 0.10, "vector": 0.10, "price": 0.10}',
    cold_start = 'marketplace_cold', recency_tau_days = 10, recency_new_boost = 1.5, distance_limit_km = 100
WHERE name = 'marketplace';

-- A level says who the user is more than what they like (the explore quiz declares one).
INSERT INTO pgrec.tag_kinds (kind, weight) VALUES ('level', 0.1);

-- A quiz per product.
ALTER TABLE pgrec.onboarding_questions ADD COLUMN questionnaire text NOT NULL DEFAULT 'default'
    CHECK (questionnaire ~ '^[a-z][a-z0-9_]{0,39}$');
INSERT INTO pgrec.onboarding_questions (question_id, position, prompt, multiple, questionnaire) VALUES
    ('explore_make', 10, 'What do you make? Pick as many as you like.', true, 'explore'),
    ('explore_tools', 20, 'Which tools do you use?', true, 'explore'),
    ('explore_level', 30, 'How experienced are you?', false, 'explore');

INSERT INTO pgrec.onboarding_options (question_id, option_id, position, label, tags) VALUES
    ('explore_make', 'design', 10, 'Design', '{"category:design": 1}'),
    ('explore_make', 'photography', 20, 'Photography', '{"category:photography": 1}'),
    ('explore_make', 'programming', 30, 'Programming', '{"category:programming": 1}'),
    ('explore_make', 'data', 40, 'Data', '{"category:data": 1}'),
    ('explore_make', 'music', 50, 'Music', '{"category:music": 1}'),
    ('explore_make', 'cooking', 60, 'Cooking', '{"category:cooking": 1}'),
    ('explore_make', 'fitness', 70, 'Fitness', '{"category:fitness": 1}'),
    ('explore_make', 'woodworking', 80, 'Woodworking', '{"category:woodworking": 1}'),
    ('explore_make', 'gardening', 90, 'Gardening', '{"category:gardening": 1}'),
    ('explore_make', 'languages', 100, 'Languages', '{"category:languages": 1}'),
    ('explore_tools', 'figma', 10, 'Figma', '{"tool:figma": 1}'),
    ('explore_tools', 'illustrator', 20, 'Illustrator', '{"tool:illustrator": 1}'),
    ('explore_tools', 'photoshop', 30, 'Photoshop', '{"tool:photoshop": 1}'),
    ('explore_tools', 'procreate', 40, 'Procreate', '{"tool:procreate": 1}'),
    ('explore_tools', 'indesign', 50, 'InDesign', '{"tool:indesign": 1}'),
    ('explore_tools', 'camera', 60, 'Camera', '{"tool:camera": 1}'),
    ('explore_tools', 'lightroom', 70, 'Lightroom', '{"tool:lightroom": 1}'),
    ('explore_tools', 'tripod', 80, 'Tripod', '{"tool:tripod": 1}'),
    ('explore_tools', 'flash', 90, 'Flash', '{"tool:flash": 1}'),
    ('explore_tools', 'python', 100, 'Python', '{"tool:python": 1}'),
    ('explore_tools', 'javascript', 110, 'JavaScript', '{"tool:javascript": 1}'),
    ('explore_tools', 'react', 120, 'React', '{"tool:react": 1}'),
    ('explore_tools', 'git', 130, 'Git', '{"tool:git": 1}'),
    ('explore_tools', 'sql', 140, 'SQL', '{"tool:sql": 1}'),
    ('explore_tools', 'jupyter', 150, 'Jupyter', '{"tool:jupyter": 1}'),
    ('explore_tools', 'pandas', 160, 'pandas', '{"tool:pandas": 1}'),
    ('explore_tools', 'excel', 170, 'Excel', '{"tool:excel": 1}'),
    ('explore_tools', 'guitar', 180, 'Guitar', '{"tool:guitar": 1}'),
    ('explore_tools', 'piano', 190, 'Piano', '{"tool:piano": 1}'),
    ('explore_tools', 'ableton', 200, 'Ableton', '{"tool:ableton": 1}'),
    ('explore_tools', 'synthesizer', 210, 'Synthesizer', '{"tool:synthesizer": 1}'),
    ('explore_tools', 'microphone', 220, 'Microphone', '{"tool:microphone": 1}'),
    ('explore_tools', 'oven', 230, 'Oven', '{"tool:oven": 1}'),
    ('explore_tools', 'wok', 240, 'Wok', '{"tool:wok": 1}'),
    ('explore_tools', 'knife', 250, 'Knife', '{"tool:knife": 1}'),
    ('explore_tools', 'cast-iron', 260, 'Cast iron', '{"tool:cast-iron": 1}'),
    ('explore_tools', 'mixer', 270, 'Mixer', '{"tool:mixer": 1}'),
    ('explore_tools', 'kettlebell', 280, 'Kettlebell', '{"tool:kettlebell": 1}'),
    ('explore_tools', 'yoga-mat', 290, 'Yoga mat', '{"tool:yoga-mat": 1}'),
    ('explore_tools', 'dumbbell', 300, 'Dumbbell', '{"tool:dumbbell": 1}'),
    ('explore_tools', 'running-shoes', 310, 'Running shoes', '{"tool:running-shoes": 1}'),
    ('explore_tools', 'resistance-band', 320, 'Resistance band', '{"tool:resistance-band": 1}'),
    ('explore_tools', 'chisel', 330, 'Chisel', '{"tool:chisel": 1}'),
    ('explore_tools', 'lathe', 340, 'Lathe', '{"tool:lathe": 1}'),
    ('explore_tools', 'saw', 350, 'Saw', '{"tool:saw": 1}'),
    ('explore_tools', 'plane', 360, 'Plane', '{"tool:plane": 1}'),
    ('explore_tools', 'trowel', 370, 'Trowel', '{"tool:trowel": 1}'),
    ('explore_tools', 'pruner', 380, 'Pruner', '{"tool:pruner": 1}'),
    ('explore_tools', 'greenhouse', 390, 'Greenhouse', '{"tool:greenhouse": 1}'),
    ('explore_tools', 'watering-can', 400, 'Watering can', '{"tool:watering-can": 1}'),
    ('explore_tools', 'compost-bin', 410, 'Compost bin', '{"tool:compost-bin": 1}'),
    ('explore_tools', 'flashcards', 420, 'Flashcards', '{"tool:flashcards": 1}'),
    ('explore_tools', 'notebook', 430, 'Notebook', '{"tool:notebook": 1}'),
    ('explore_tools', 'podcast', 440, 'Podcast', '{"tool:podcast": 1}'),
    ('explore_tools', 'dictionary', 450, 'Dictionary', '{"tool:dictionary": 1}'),
    ('explore_tools', 'anki', 460, 'Anki', '{"tool:anki": 1}'),
    ('explore_level', 'beginner', 10, 'Just starting', '{"level:beginner": 0.5}'),
    ('explore_level', 'intermediate', 20, 'I know my way around', '{"level:beginner": 0.25, "level:intermediate": 0.5}'),
    ('explore_level', 'advanced', 30, 'Advanced', '{"level:intermediate": 0.25, "level:advanced": 0.5}');
