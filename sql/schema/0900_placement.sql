-- Where each table lives on a Citus cluster. On a single PostgreSQL (no citus extension in
-- the database) none of this does anything: pgrec.place_tables() returns at once. With Citus,
-- installing onto the coordinator (alembic upgrade head) places every table:
--   distributed by user, co-located with pgrec.users: the per-user tables, so one user's
--     events, event ids, tag preferences, vectors, model candidates and factors, feed pools,
--     impressions, onboarding answers, follows, consents, profile, achievement claims and the
--     strengths, totals and transitions incremental refresh keeps per user are on one worker and a
--     feed reads them there (a router query), and foreign keys between them hold;
--   distributed by the client's user id: pgrec.user_keys, the one table where that id is
--     unique (a unique index must contain the distribution column);
--   reference (a full copy on every node): the catalogue and everything derived per item —
--     the tables a per-user query joins on its worker, and small enough to copy — and the
--     settings and vocabularies (consent purposes, feedback rules, learning paths, achievements);
--   local to the coordinator: what only the coordinator's own functions read — the refresh
--     schedule and run log, the embedding work queue (FOR UPDATE SKIP LOCKED), API keys, the
--     partitioning policy, the replay guard (its constraint trigger fires on the coordinator,
--     where the replay transaction commits or not), the incremental refresh state and change
--     log, and the audit log. A local table with a foreign key to a reference table becomes a
--     Citus local table (still on the coordinator only).
-- Adding a table to pgrec means adding it here; a test fails for a pgrec table missing from
-- this list.
CREATE FUNCTION pgrec.table_placements()
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
COMMENT ON FUNCTION pgrec.table_placements() IS
'Where each pgrec table lives on a Citus cluster: distributed (by column, co-located with), reference, or local to the coordinator.';

-- Whether this database runs Citus (then pgrec is installed distributed).
CREATE FUNCTION pgrec.citus_enabled() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus');
$$;
COMMENT ON FUNCTION pgrec.citus_enabled() IS 'True when the database has the citus extension (pgrec tables are then distributed).';

-- Place every table of pgrec.table_placements() that is not placed yet; a no-op without Citus.
-- Idempotent, so a later revision that adds a table calls it again. Citus cannot distribute a
-- table that another local table references, nor create a foreign key to a distributed table
-- from a table that is still local, so the foreign keys between pgrec tables are dropped
-- first and re-created once every table is in place (Citus then checks them on every shard).
-- Citus refuses triggers on distributed and reference tables, so the triggers of the tables
-- placed here are dropped: the change log of incremental refresh (events deleted or updated,
-- embeddings written: pgrec.log_event_changes, pgrec.log_embedding_changes) is then written by
-- the functions that make those changes (rec._log_changes). The replay guard's trigger stays,
-- on a local table.
CREATE FUNCTION pgrec.place_tables() RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_table  record;
    v_fk     record;
    v_fks    text[] := '{}';
    v_trigger record;
    v_placed integer := 0;
BEGIN
    IF NOT pgrec.citus_enabled() THEN
        RETURN 0;
    END IF;
    PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);

    FOR v_trigger IN
        SELECT t.tgrelid::regclass AS tbl, t.tgname
        FROM pg_trigger AS t
        JOIN pgrec.table_placements() AS p ON p.table_name::regclass = t.tgrelid
        WHERE NOT t.tgisinternal AND p.placement <> 'local'
          AND NOT EXISTS (SELECT FROM pg_dist_partition AS d WHERE d.logicalrelid = t.tgrelid)
        ORDER BY 1, 2
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', v_trigger.tgname, v_trigger.tbl);
    END LOOP;

    FOR v_fk IN
        SELECT c.conrelid::regclass AS tbl, c.conname, pg_get_constraintdef(c.oid) AS def
        FROM pg_constraint AS c
        WHERE c.contype = 'f' AND c.conparentid = 0
          AND c.connamespace = 'pgrec'::regnamespace
          AND EXISTS (SELECT FROM pgrec.table_placements() AS p
                      WHERE p.placement <> 'local' AND (p.table_name::regclass IN (c.conrelid, c.confrelid))
                        AND NOT EXISTS (SELECT FROM pg_dist_partition AS d WHERE d.logicalrelid = p.table_name::regclass))
        ORDER BY c.conrelid::regclass::text, c.conname
    LOOP
        v_fks := v_fks || format('ALTER TABLE %s ADD CONSTRAINT %I %s', v_fk.tbl, v_fk.conname, v_fk.def);
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', v_fk.tbl, v_fk.conname);
    END LOOP;

    -- Reference tables first, then the co-location anchor (users) before the tables co-located
    -- with it.
    FOR v_table IN
        SELECT p.* FROM pgrec.table_placements() AS p
        WHERE p.placement <> 'local'
          AND NOT EXISTS (SELECT FROM pg_dist_partition AS d WHERE d.logicalrelid = p.table_name::regclass)
        ORDER BY p.placement DESC, p.colocate_with = 'none' DESC, p.table_name
    LOOP
        IF v_table.placement = 'reference' THEN
            EXECUTE format('SELECT create_reference_table(%L)', v_table.table_name);
        ELSE
            EXECUTE format('SELECT create_distributed_table(%L, %L, colocate_with => %L)',
                           v_table.table_name, v_table.distribution_column, v_table.colocate_with);
        END IF;
        v_placed := v_placed + 1;
    END LOOP;

    FOR i IN 1 .. cardinality(v_fks) LOOP
        EXECUTE v_fks[i];
    END LOOP;
    RETURN v_placed;
END;
$$;
COMMENT ON FUNCTION pgrec.place_tables() IS
'On a Citus coordinator, distribute or replicate every pgrec table as pgrec.table_placements() says (foreign keys re-created afterwards); a no-op without Citus. Returns tables placed.';

SELECT pgrec.place_tables();
