-- The sums incremental refresh moves instead of recounting: itemknn's per-user item counts and
-- energies and per-item degrees, users and walks (pgrec.itemknn_users, pgrec.itemknn_items),
-- and the users per transition pair (pgrec.transition_pairs). Both steps' next run is a full
-- rebuild (their state is dropped), which fills them.
-- Frozen once released: later changes are new revisions.
-- What the item-item model sums over those strengths, kept beside them so an incremental run
-- moves the sums of what changed instead of summing every strength again: per user the item
-- count and energy (summed strength), per item its degree (summed strength), users and walks
-- (the sum of its users' item counts: what counting its pairs costs). The degree is numeric so
-- the differences an incremental run adds are exact: it equals a full rebuild's sum, in any
-- order the rows (or, on Citus, the shards) come in.
CREATE TABLE pgrec.itemknn_users (
    user_id bigint PRIMARY KEY,
    items   bigint NOT NULL CHECK (items > 0),
    energy  double precision NOT NULL
);
COMMENT ON TABLE pgrec.itemknn_users IS 'Per user: item count and summed strength of pgrec.itemknn_interactions (refresh step: itemknn).';
-- No foreign key to pgrec.items: a deleted item's events are deleted with it, and the next run
-- recomputes the items of deleted events from the strengths.
CREATE TABLE pgrec.itemknn_items (
    item_id bigint PRIMARY KEY,
    degree  numeric NOT NULL,
    users   bigint NOT NULL CHECK (users > 0),
    walks   bigint NOT NULL
);
COMMENT ON TABLE pgrec.itemknn_items IS 'Per item: degree (summed strength), users and walks of pgrec.itemknn_interactions (refresh step: itemknn).';

-- users(A -> B) for every pair in pgrec.user_transitions (the rows per pair there), kept so an
-- incremental run moves the counts of the pairs that changed and ranks an item's next items
-- from its pairs instead of from every user's transitions.
CREATE TABLE pgrec.transition_pairs (
    item_id      bigint NOT NULL,
    next_item_id bigint NOT NULL,
    users        bigint NOT NULL CHECK (users > 0),
    PRIMARY KEY (item_id, next_item_id)
);
COMMENT ON TABLE pgrec.transition_pairs IS 'Per item -> next item pair: the users in pgrec.user_transitions who made it (refresh step: transitions).';

CREATE OR REPLACE FUNCTION pgrec.table_placements()
RETURNS TABLE (table_name text, placement text, distribution_column text, colocate_with text)
LANGUAGE sql IMMUTABLE AS $$
    VALUES
        ('pgrec.users',                'distributed', 'id',          'none'),
        ('pgrec.user_tags',            'distributed', 'user_id',     'pgrec.users'),
        ('pgrec.onboarding_answers',   'distributed', 'user_id',     'pgrec.users'),
        ('pgrec.user_vectors',         'distributed', 'user_id',     'pgrec.users'),
        ('pgrec.events',               'distributed', 'user_id',     'pgrec.users'),
        ('pgrec.event_ids',            'distributed', 'user_id',     'pgrec.users'),
        ('pgrec.user_candidates',      'distributed', 'user_id',     'pgrec.users'),
        ('pgrec.user_factors',         'distributed', 'user_id',     'pgrec.users'),
        ('pgrec.feed_pools',           'distributed', 'user_id',     'pgrec.users'),
        ('pgrec.impressions',          'distributed', 'user_id',     'pgrec.users'),
        ('pgrec.follows',              'distributed', 'user_id',     'pgrec.users'),
        ('pgrec.consents',             'distributed', 'user_id',     'pgrec.users'),
        ('pgrec.profiles',             'distributed', 'user_id',     'pgrec.users'),
        ('pgrec.profile_interests',    'distributed', 'user_id',     'pgrec.users'),
        ('pgrec.profile_history',      'distributed', 'user_id',     'pgrec.users'),
        ('pgrec.achievement_claims',   'distributed', 'user_id',     'pgrec.users'),
        ('pgrec.itemknn_interactions', 'distributed', 'user_id',     'pgrec.users'),
        ('pgrec.itemknn_users',        'distributed', 'user_id',     'pgrec.users'),
        ('pgrec.user_transitions',     'distributed', 'user_id',     'pgrec.users'),
        ('pgrec.user_keys',            'distributed', 'external_id', 'none'),
        ('pgrec.meta',                 'reference',   NULL, NULL),
        ('pgrec.event_types',          'reference',   NULL, NULL),
        ('pgrec.tags',                 'reference',   NULL, NULL),
        ('pgrec.tag_kinds',            'reference',   NULL, NULL),
        ('pgrec.items',                'reference',   NULL, NULL),
        ('pgrec.embedding_attributes', 'reference',   NULL, NULL),
        ('pgrec.forgotten_users',      'reference',   NULL, NULL),
        ('pgrec.onboarding_questions', 'reference',   NULL, NULL),
        ('pgrec.onboarding_options',   'reference',   NULL, NULL),
        ('pgrec.feed_signals',         'reference',   NULL, NULL),
        ('pgrec.signal_phrases',       'reference',   NULL, NULL),
        ('pgrec.exclusion_policies',   'reference',   NULL, NULL),
        ('pgrec.strategies',           'reference',   NULL, NULL),
        ('pgrec.rules',                'reference',   NULL, NULL),
        ('pgrec.item_stats',           'reference',   NULL, NULL),
        ('pgrec.creator_stats',        'reference',   NULL, NULL),
        ('pgrec.tag_top_items',        'reference',   NULL, NULL),
        ('pgrec.trending',             'reference',   NULL, NULL),
        ('pgrec.item_neighbors',       'reference',   NULL, NULL),
        ('pgrec.item_transitions',     'reference',   NULL, NULL),
        ('pgrec.transition_pairs',     'reference',   NULL, NULL),
        ('pgrec.monthly_top_items',    'reference',   NULL, NULL),
        ('pgrec.models',               'reference',   NULL, NULL),
        ('pgrec.item_factors',         'reference',   NULL, NULL),
        ('pgrec.experiments',          'reference',   NULL, NULL),
        ('pgrec.experiment_variants',  'reference',   NULL, NULL),
        ('pgrec.item_event_totals',    'reference',   NULL, NULL),
        ('pgrec.item_month_users',     'reference',   NULL, NULL),
        ('pgrec.itemknn_rows',         'reference',   NULL, NULL),
        ('pgrec.itemknn_items',        'reference',   NULL, NULL),
        ('pgrec.consent_purposes',     'reference',   NULL, NULL),
        ('pgrec.profile_settings',     'reference',   NULL, NULL),
        ('pgrec.feedback_rules',       'reference',   NULL, NULL),
        ('pgrec.learning_paths',       'reference',   NULL, NULL),
        ('pgrec.path_modules',         'reference',   NULL, NULL),
        ('pgrec.learning_paces',       'reference',   NULL, NULL),
        ('pgrec.difficulty_settings',  'reference',   NULL, NULL),
        ('pgrec.achievements',         'reference',   NULL, NULL),
        ('pgrec.recommendation_types', 'reference',   NULL, NULL),
        ('pgrec.embedding_queue',      'local',       NULL, NULL),
        ('pgrec.refresh_steps',        'local',       NULL, NULL),
        ('pgrec.refresh_runs',         'local',       NULL, NULL),
        ('pgrec.refresh_state',        'local',       NULL, NULL),
        ('pgrec.refresh_changes',      'local',       NULL, NULL),
        ('pgrec.audit_log',            'local',       NULL, NULL),
        ('pgrec.api_keys',             'local',       NULL, NULL),
        ('pgrec.event_partitioning',   'local',       NULL, NULL),
        ('pgrec.replay_guard',         'local',       NULL, NULL)
$$;

-- The foreign key once the table is placed: on Citus a table that is still local cannot
-- reference a distributed one.
SELECT pgrec.place_tables();
ALTER TABLE pgrec.itemknn_users ADD CONSTRAINT itemknn_users_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES pgrec.users (id) ON DELETE CASCADE;
DELETE FROM pgrec.refresh_state WHERE step IN ('itemknn', 'transitions');
