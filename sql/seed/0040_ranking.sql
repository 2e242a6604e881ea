-- The signal vocabulary, reason phrases, exclusion policies and strategy presets of a fresh
-- installation. Presets are starting points: `pgrec tune` fits the installation's own blend.

INSERT INTO pgrec.feed_signals (signal, aliases, always_on, source, computed_by, description) VALUES
    ('vector',        '{content}',     false, 'vector',        'rec._signal_vector',
     'cosine similarity between the item embedding and the list''s anchor vector (user taste, item, session or query), max(0, 1 - distance)'),
    ('explicit',      '{preferences}', false, 'tags',          'rec._signal_explicit',
     'declared tag preferences matched by the item, weighted per tag and per tag kind'),
    ('tags',          '{jaccard}',     false, 'tags',          'rec._signal_tags',
     'weighted Jaccard overlap between the anchor tags (the user''s interests, an item''s or a session''s tags) and the item''s tags'),
    ('behavioral',    '{}',            false, 'following',     'rec._signal_behavioral',
     'creator affinity (items of the creator the user liked; a followed creator''s items, the newer the more) minus a penalty for items already viewed'),
    ('collaborative', '{}',            false, 'collaborative', 'rec._collaborative',
     'SQL item-item model (itemknn): neighbours of the anchor items (the user''s positive history, an item, a session), scaled by the best'),
    ('ease',          '{}',            false, 'ease',          'rec._model_list',
     'EASE model: the user''s model score (history x item-item weights), fitted per installation, scaled by the best'),
    ('als',           '{}',            false, 'als',           'rec._model_list',
     'ALS model: inner product of the user''s and the item''s latent factors, scaled by the best'),
    ('sequence',      '{}',            false, 'sequence',      'rec._sequence',
     'what other users went on to after the anchor items (pgrec.item_transitions), scaled by the best'),
    ('keyword',       '{}',            false, 'keyword',       'rec._keyword_matches',
     'full-text match of the query: 61 / (60 + rank by ts_rank, title first), 1 for the best match'),
    ('engagement',    '{}',            true,  'popular',       'pgrec.item_stats',
     'ln(1 + sum of event weights) over the item''s events, scaled by the catalogue maximum'),
    ('popularity',    '{}',            true,  'popular',       'pgrec.item_stats',
     'like_count / max like_count'),
    ('contemporary',  '{}',            false, 'contemporary',  'pgrec.monthly_top_items',
     'users the item had in the twelve months up to the user''s latest event, scaled by the best: what was popular when the user was active'),
    ('velocity',      '{}',            true,  NULL,            'pgrec.item_stats',
     'engagement in the last 7 days against the 7 days before'),
    ('trending',      '{}',            false, 'trending',      'rec._trending',
     'the trending score of the window (pgrec.trending for 24 hours), scaled by the top item'),
    ('recency',       '{}',            true,  'fresh',         'rec._signal_recency',
     '0.8 exp(-age_days / tau) + 0.2 while younger than 24 hours'),
    ('location',      '{nearby}',      false, 'nearby',        'rec._signal_location',
     'exp(-distance / (reach / 3)) from the anchor point (the user''s location, or the point asked for)'),
    ('creator',       '{}',            true,  NULL,            'pgrec.creator_stats',
     'creator quality: the engagement a creator''s items earn, smoothed'),
    ('price',         '{}',            false, NULL,            'rec._signal_price',
     '1 inside the user''s price range, decaying outside'),
    ('difficulty',    '{}',            false, NULL,            'rec._signal_difficulty',
     'closeness of the item''s level (attributes.level) to the learner''s recommended difficulty (rec._difficulty_target): exp(-|level - target|), 0.5 without a level');

INSERT INTO pgrec.signal_phrases (signal, list, phrase, fallback, min_value) VALUES
    ('vector',        '*',        'similar to what you liked', NULL, 0.5),
    ('vector',        'similar',  'similar content', NULL, 0.8),
    ('vector',        'search',   'close in meaning', NULL, 0.5),
    ('vector',        'session',  'similar to what you are viewing', NULL, 0.8),
    ('explicit',      '*',        'matches your interest in {pref_tag}', 'matches your interests', 0.01),
    ('tags',          '*',        'matches your interest in {interest_tag}', 'matches your interests', 0.1),
    ('tags',          'similar',  'shares tags with {anchor}', 'shares tags', 0.3),
    ('tags',          'session',  'same topics', NULL, 0.3),
    ('behavioral',    '*',        'from a creator you {relation}', 'from a creator you liked', 0.01),
    ('collaborative', '*',        'because you liked {because}', 'people with similar taste liked this', 0.1),
    ('collaborative', 'similar',  'people who liked {anchor} also liked this', NULL, 0.2),
    ('collaborative', 'session',  'people who viewed these also liked this', NULL, 0.1),
    ('collaborative', 'next',     'people who liked {because} also liked this', NULL, 0.1),
    ('ease',          '*',        'because you liked {because}', 'people with similar taste liked this', 0.2),
    ('als',           '*',        'people with similar taste liked this', NULL, 0.3),
    ('sequence',      '*',        'what others did next after {because}', NULL, 0.01),
    ('sequence',      'session',  'what others looked at next', NULL, 0.01),
    ('keyword',       '*',        'matches "{query}"', NULL, 0.0001),
    ('engagement',    '*',        'popular in {category}', 'popular', 0.5),
    ('popularity',    '*',        'popular in {category}', 'popular', 0.5),
    ('contemporary',  '*',        'popular with people active when you were', NULL, 0.5),
    ('velocity',      '*',        'picking up fast', NULL, 0.5),
    ('trending',      '*',        'trending now', NULL, 0.2),
    ('trending',      'trending', 'engagement {recent} in the last {window}{before}', 'popular (nothing is trending right now)', 0),
    ('recency',       '*',        'new ({age})', NULL, 0.6),
    ('recency',       'latest',   '{age}', NULL, 0),
    ('location',      '*',        'near you ({km})', NULL, 0.3),
    ('location',      'nearby',   '{km} away', NULL, 0),
    ('creator',       '*',        'from a popular creator', NULL, 0.7),
    ('price',         '*',        'within your budget', NULL, 1),
    ('difficulty',    '*',        'at the right level for you', NULL, 0.75);

INSERT INTO pgrec.exclusion_policies (name, own_items, interacted, acted, dismissed, anchors, description) VALUES
    ('unseen',      true,  true,  true,  true,  true,
     'a feed shows something new: nothing the user made, acted on or was already shown'),
    ('unacted',     true,  false, true,  true,  true,
     'items only viewed stay (with the behavioral penalty): discovery, or a next lesson opened but not finished'),
    ('undismissed', true,  false, false, true,  false,
     'a map shows what is there, except the user''s own items and what they rejected'),
    ('anchors',     false, false, false, false, true,
     'an anonymous session: only the items it starts from are left out'),
    ('none',        false, false, false, false, false,
     'search results, trending and newest lists answer the question as asked');

-- A marketplace seeker may look at a listing twice before applying, never after: what an
-- exclude_seen=false, exclude_applied=true request asks for (rec.feed's exclusion_policy).
INSERT INTO pgrec.exclusion_policies (name, own_items, interacted, acted, dismissed, anchors, description, event_types) VALUES
    ('unapplied',   true,  false, false, true,  false,
     'listings stay after a look (or a save) until the user applies; own and dismissed ones never show', '{apply}');

-- Feed presets: starting points, not results. `pgrec tune` fits the installation's own blend
-- (strategy tuned) by replaying its events, and a feed asked for without a strategy serves it
-- once it beat default on the validation slice. A tight category cap costs accuracy for users
-- with one or two interests, so default caps at 8 of 10 (the explore page, below, keeps 3).
-- cold_start serves users below the personalisation thresholds: what their few events and the
-- items' neighbours say, then what is popular (replay shows trending and fresh items to be worse
-- for them).
INSERT INTO pgrec.strategies (name, list, description, weights, personalized, cold_start, exclusion_policy, fallback,
                              history_tau_days, recency_tau_days, candidate_limit, diversity_penalty,
                              max_per_category, category_window) VALUES
    ('cold_start', 'feed', 'New users: their first events and declared interests, then what is popular.',
     '{"ease": 0.20, "collaborative": 0.20, "contemporary": 0.15, "popularity": 0.15, "explicit": 0.15,
       "engagement": 0.10, "location": 0.05}',
     true, NULL, 'unseen', true, 30, 14, 100, 0.02, 8, 10),
    ('default', 'feed', 'Balanced personal feed: the fitted models first, then declared and observed interests, engagement and freshness.',
     '{"ease": 0.30, "collaborative": 0.20, "als": 0.10, "explicit": 0.10, "tags": 0.07, "engagement": 0.06,
       "popularity": 0.04, "recency": 0.03, "vector": 0.03, "behavioral": 0.03, "velocity": 0.01,
       "trending": 0.01, "location": 0.01, "creator": 0.01}',
     true, 'cold_start', 'unseen', true, 30, 14, 100, 0.02, 8, 10),
    ('popular', 'feed', 'Non-personalised: what engages most, with freshness.',
     '{"engagement": 0.80, "recency": 0.20}',
     false, NULL, 'unseen', true, 30, 14, 100, 0.02, 4, 10);

-- Feeds per recommendation type (pgrec.recommendation_types): each a blend with the learner's
-- recommended difficulty as one signal among others, which drops out for users and catalogues
-- without levels.
INSERT INTO pgrec.strategies (name, list, description, weights, personalized, cold_start, exclusion_policy, fallback,
                              history_tau_days, recency_tau_days, candidate_limit, diversity_penalty,
                              max_per_category, category_window) VALUES
    ('content_based', 'feed', 'Content-based: close to what the user engaged with and declared, at their level.',
     '{"vector": 0.35, "tags": 0.25, "explicit": 0.20, "difficulty": 0.20}',
     true, NULL, 'unseen', true, 30, 14, 100, 0.02, 8, 10),
    ('collaborative', 'feed', 'Collaborative: what users with similar histories engaged with, at the user''s level.',
     '{"ease": 0.35, "collaborative": 0.35, "als": 0.10, "difficulty": 0.10, "engagement": 0.10}',
     true, 'cold_start', 'unseen', true, 30, 14, 100, 0.02, 8, 10),
    ('trending_now', 'feed', 'Trending: what is taking off now, near the user''s interests and level.',
     '{"trending": 0.60, "velocity": 0.10, "tags": 0.15, "difficulty": 0.15}',
     true, NULL, 'unseen', true, 30, 14, 100, 0.02, 8, 10),
    ('sequential', 'feed', 'Sequential: the next-best item after the user''s latest ones, at their level.',
     '{"sequence": 0.55, "collaborative": 0.15, "difficulty": 0.20, "tags": 0.10}',
     true, NULL, 'unacted', true, 30, 14, 100, 0.02, 8, 10);

-- rec.rank orders a caller's own list: the default blend, nothing excluded beyond what every
-- list excludes (the caller chose the items), no diversity re-ordering (the caller asked for
-- an order by score), and no cold-start switch (a signal without data simply drops out).
INSERT INTO pgrec.strategies (name, list, description, weights, personalized, cold_start, exclusion_policy, fallback,
                              history_tau_days, recency_tau_days, candidate_limit, diversity_penalty,
                              max_per_category, category_window) VALUES
    ('rank', 'feed', 'Re-ranking a caller''s list (rec.rank): the default blend over exactly the items given.',
     '{"ease": 0.30, "collaborative": 0.20, "als": 0.10, "explicit": 0.10, "tags": 0.07, "engagement": 0.06,
       "popularity": 0.04, "recency": 0.03, "vector": 0.03, "behavioral": 0.03, "velocity": 0.01,
       "trending": 0.01, "location": 0.01, "creator": 0.01}',
     true, NULL, 'none', true, 30, 14, 100, 0, 10, 10);

-- Presets of the other lists: each is a strategy of the same pipeline, tunable like a feed.
INSERT INTO pgrec.strategies (name, list, description, weights, personalized, cold_start, exclusion_policy, fallback,
                              history_tau_days, recency_tau_days, candidate_limit, sources, diversity_penalty,
                              max_per_category, category_window) VALUES
    ('trending', 'trending', 'Engagement velocity, lightly reordered by the user''s tag interests.',
     '{"trending": 1, "tags": 0.3}', true, NULL, 'none', false, 30, 14, 200, '{trending}', 0, 10, 10),
    ('latest', 'latest', 'Newest first.',
     '{"recency": 1}', false, NULL, 'none', false, 30, 30, 100, '{fresh}', 0, 10, 10),
    ('similar', 'similar', 'Items like a given one: content, co-engagement and shared tags.',
     '{"vector": 0.5, "collaborative": 0.3, "tags": 0.2}', false, NULL, 'unseen', false, 30, 14, 50, NULL, 0, 10, 10),
    ('nearby', 'nearby', 'Items around a point: distance first, then engagement and the user''s interests.',
     '{"location": 0.7, "engagement": 0.3, "tags": 0.35}', true, NULL, 'undismissed', false, 30, 14, 300,
     '{nearby}', 0, 10, 10),
    ('search', 'search', 'Keywords and meaning, with the user''s interests as a tie-breaker.',
     '{"keyword": 0.5, "vector": 0.5, "tags": 0.25}', true, NULL, 'none', false, 30, 14, 50, '{keyword,vector}', 0, 10, 10),
    ('session', 'session', 'An anonymous visitor''s next items from what this session viewed.',
     '{"collaborative": 0.35, "sequence": 0.2, "vector": 0.25, "tags": 0.15, "engagement": 0.05}',
     false, NULL, 'anchors', false, 30, 14, 200, NULL, 0, 10, 10),
    ('next', 'next', 'Next steps after the user''s latest items: what others did next, then neighbours.',
     '{"sequence": 0.8, "collaborative": 0.2}', true, NULL, 'unacted', false, 30, 14, 100, NULL, 0, 10, 10);

-- The presets of two applications, each product's numbers as rows (`pgrec tune` may improve
-- them; nothing of them is in a function):
--   explore       an explore page of user projects: "For You" weighs content similarity 30 %,
--                 declared tag preferences 25 % (tool 0.5, category 0.3, topic 0.2 per match:
--                 pgrec.tag_kinds), behaviour 25 % (liked and followed creators, viewed items
--                 penalised), collaborative 15 %, popularity 5 %, -0.02 per repeated category and
--                 three of a category per ten; liked projects leave, viewed ones stay (unacted).
--                 Users with too little data get explore_cold: trending and popular projects,
--                 with their quiz answers and follows. New (explore_new) is newest first with a
--                 light personal boost: followed creators' and matching projects move up a few
--                 days' worth; Trending (explore_trending) is the velocity list with the same boost.
--   marketplace   local jobs and gigs: distance 25 % (exp(-d / (max_d / 3))), tag overlap 20 %,
--                 engagement 15 % (ln(1 + 10 apply + 5 save + 3 share + 2 click + view - 5 dismiss),
--                 the weights of pgrec.event_types), recency 10 % (exp(-age / 10 days), listings
--                 of the last 24 hours 1.5 times), poster quality 10 %, collaborative 10 %,
--                 content 10 %, and the seeker's pay range 10 % when they gave one; nothing seen
--                 or applied to comes back (unseen; rec.feed's exclusion_policy switches per
--                 request). marketplace_cold serves seekers without history: what is near, busy
--                 and fresh, and their declared pay range (a seeker states it before any
--                 event). Trending, nearby and similar listings have presets of their own.
INSERT INTO pgrec.strategies (name, list, description, weights, personalized, cold_start, exclusion_policy, fallback,
                              history_tau_days, recency_tau_days, candidate_limit, sources, diversity_penalty,
                              max_per_category, category_window, recency_new_boost, distance_limit_km) VALUES
    ('explore_cold', 'feed', 'Explore page, too little data yet: trending and popular projects, with quiz answers and followed creators.',
     '{"trending": 0.35, "popularity": 0.30, "engagement": 0.15, "explicit": 0.10, "behavioral": 0.10}',
     true, NULL, 'unacted', true, 30, 14, 100, NULL, 0.02, 3, 10, NULL, NULL),
    ('explore', 'feed', 'Explore page "For You": content similarity, declared interests and behaviour (liked and followed creators) over what is popular.',
     '{"vector": 0.30, "explicit": 0.25, "behavioral": 0.25, "collaborative": 0.15, "popularity": 0.05}',
     true, 'explore_cold', 'unacted', true, 30, 14, 100, NULL, 0.02, 3, 10, NULL, NULL),
    ('explore_new', 'latest', 'Explore page "New": newest first, followed creators and matching interests a few days ahead.',
     '{"recency": 0.8, "tags": 0.1, "behavioral": 0.1}',
     true, NULL, 'undismissed', false, 30, 30, 100, '{fresh,following}', 0, 10, 10, NULL, NULL),
    ('explore_trending', 'trending', 'Explore page "Trending": engagement velocity, lightly reordered by interests and followed creators.',
     '{"trending": 1, "tags": 0.2, "behavioral": 0.1}',
     true, NULL, 'undismissed', false, 30, 14, 200, '{trending}', 0, 10, 10, NULL, NULL),
    ('marketplace_cold', 'feed', 'Local listings for seekers without history: what is near, busy and fresh, within their pay range.',
     '{"location": 0.35, "engagement": 0.20, "recency": 0.20, "tags": 0.15, "creator": 0.10, "price": 0.10}',
     true, NULL, 'unseen', true, 30, 10, 100, NULL, 0.02, 4, 10, 1.5, 100),
    ('marketplace', 'feed', 'Local listings: distance first, then interests, engagement, freshness, poster quality and pay.',
     '{"location": 0.25, "tags": 0.20, "engagement": 0.15, "recency": 0.10, "creator": 0.10,
       "collaborative": 0.10, "vector": 0.10, "price": 0.10}',
     true, 'marketplace_cold', 'unseen', true, 30, 10, 100, NULL, 0.02, 4, 10, 1.5, 100),
    ('marketplace_trending', 'trending', 'Listings gaining applications and saves, the near ones first.',
     '{"trending": 1, "location": 0.3, "tags": 0.2}',
     true, NULL, 'undismissed', false, 30, 10, 200, '{trending}', 0, 10, 10, 1.5, NULL),
    ('marketplace_nearby', 'nearby', 'Listings around a point: distance, then interests, engagement, freshness and poster quality.',
     '{"location": 0.5, "tags": 0.2, "engagement": 0.1, "recency": 0.1, "creator": 0.1}',
     true, NULL, 'undismissed', false, 30, 10, 300, '{nearby}', 0, 10, 10, 1.5, NULL),
    ('marketplace_similar', 'similar', 'Listings like a given one: shared tags, content and co-engagement, the near ones first.',
     '{"tags": 0.35, "vector": 0.3, "collaborative": 0.2, "location": 0.15}',
     true, NULL, 'unseen', false, 30, 10, 50, NULL, 0, 10, 10, NULL, NULL);
