-- Events partitioned by month; exactly-once through pgrec.event_ids (event ids unique per
-- user); client user ids unique through pgrec.user_keys; the embedding queue filled by
-- rec.upsert_items instead of statement triggers; impressions keyed by user first; on a Citus
-- coordinator, every table placed (distributed, reference or local). A frozen copy of what sql/schema and sql/seed say about
-- these objects at this revision: never edit it, add a revision.
--
-- The events are copied into the new table: plan for the time of one INSERT ... SELECT of the
-- whole table (a few minutes per ten million events on a small machine), with writes stopped.

-- ==== users: the client id's uniqueness moves to pgrec.user_keys
ALTER TABLE pgrec.users DROP CONSTRAINT users_external_id_key;
COMMENT ON TABLE pgrec.users IS 'Users; external_id is the client''s id (unique through pgrec.user_keys). Created on first track() if unknown.';

CREATE TABLE pgrec.user_keys (
    external_id text PRIMARY KEY CHECK (length(external_id) BETWEEN 1 AND 200),
    user_id     bigint NOT NULL
);
COMMENT ON TABLE pgrec.user_keys IS 'Client user id -> pgrec.users.id; makes client ids unique (also on a Citus cluster).';
INSERT INTO pgrec.user_keys (external_id, user_id) SELECT u.external_id, u.id FROM pgrec.users AS u;

-- ==== items: no triggers (rec.upsert_items sets content_hash and queues embeddings itself);
-- is_live over columns rather than the row (a Citus shard's row type is not pgrec.items)
DROP TRIGGER items_enqueue_embedding_insert ON pgrec.items;
DROP TRIGGER items_enqueue_embedding_update ON pgrec.items;
DROP FUNCTION pgrec.items_enqueue_embedding();
DROP TRIGGER items_content_hash ON pgrec.items;
DROP FUNCTION pgrec.items_set_content_hash();
DROP FUNCTION pgrec.item_embedding_text(text, text, integer[], jsonb);
COMMENT ON COLUMN pgrec.items.content_hash IS 'SHA-256 (hex) of the embedding text (rec._item_embedding_texts); set by rec.upsert_items.';
DROP FUNCTION pgrec.is_live(pgrec.items, timestamptz);
CREATE FUNCTION pgrec.is_live(p_status text, p_created_at timestamptz, p_expires_at timestamptz, p_now timestamptz)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN p_status = 'active'
   AND p_created_at <= p_now
   AND (p_expires_at IS NULL OR p_expires_at > p_now);
COMMENT ON FUNCTION pgrec.is_live(text, timestamptz, timestamptz, timestamptz) IS
'True when an item (status, created_at, expires_at) may be shown at p_now: status active, created_at <= p_now, not expired.';

-- ==== strategies: the weight check is a constraint, not a trigger
DROP TRIGGER strategies_check_weights ON pgrec.strategies;
DROP FUNCTION pgrec.check_strategy_weights();
CREATE FUNCTION pgrec.strategy_weights_are_valid(p_weights jsonb)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN NOT EXISTS (
    SELECT FROM jsonb_each(p_weights) AS w(k, v)
    WHERE w.k <> ALL (ARRAY['vector', 'explicit', 'tags', 'behavioral', 'collaborative', 'ease', 'als', 'sequence',
                            'keyword', 'engagement', 'popularity', 'velocity', 'trending', 'contemporary', 'recency',
                            'location', 'creator', 'price', 'difficulty'])
       OR jsonb_typeof(w.v) <> 'number' OR (w.v #>> '{}')::float8 < 0 OR (w.v #>> '{}')::float8 > 1000);
COMMENT ON FUNCTION pgrec.strategy_weights_are_valid(jsonb) IS 'Strategy weights are {signal: number 0..1000} over the signal vocabulary.';
ALTER TABLE pgrec.strategies ADD CONSTRAINT strategies_weights_signals CHECK (pgrec.strategy_weights_are_valid(weights));

-- ==== events: the old table is emptied into the partitioned one, then dropped (the views over
-- it are re-created below, its triggers go with it and are created on the new one)
DROP VIEW pgrec.weighted_events, pgrec.profile_event_strengths;
ALTER TABLE pgrec.events RENAME TO events_unpartitioned;
ALTER TABLE pgrec.events_unpartitioned DROP CONSTRAINT events_pkey;
DROP INDEX pgrec.events_event_id, pgrec.events_user_time, pgrec.events_item_time,
           pgrec.events_time_brin, pgrec.events_recorded_brin, pgrec.events_xact_brin;
ALTER TABLE pgrec.events_unpartitioned ALTER COLUMN id DROP IDENTITY;

CREATE SEQUENCE pgrec.events_id_seq AS bigint;
CREATE TABLE pgrec.events (
    id          bigint NOT NULL DEFAULT nextval('pgrec.events_id_seq'),
    event_id    text CHECK (length(event_id) BETWEEN 1 AND 200),
    user_id     bigint NOT NULL REFERENCES pgrec.users (id) ON DELETE CASCADE,
    item_id     bigint NOT NULL REFERENCES pgrec.items (id) ON DELETE CASCADE,
    type        text NOT NULL REFERENCES pgrec.event_types (type),
    value       real CHECK (value BETWEEN -1e6 AND 1e6),
    context     jsonb CHECK (jsonb_typeof(context) = 'object'),
    occurred_at timestamptz NOT NULL CHECK (isfinite(occurred_at)),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    xact_id     bigint DEFAULT (pg_current_xact_id()::text::bigint),
    CONSTRAINT events_user_time PRIMARY KEY (user_id, occurred_at, id) INCLUDE (item_id, type)
) PARTITION BY RANGE (occurred_at);
ALTER SEQUENCE pgrec.events_id_seq OWNED BY pgrec.events.id;
COMMENT ON TABLE pgrec.events IS 'Interaction events, partitioned by month of occurred_at; event_id (client supplied, unique per user through pgrec.event_ids) makes delivery exactly-once.';
CREATE INDEX events_item_time ON pgrec.events (item_id, occurred_at);
CREATE INDEX events_time_brin ON pgrec.events USING brin (occurred_at) WITH (pages_per_range = 32);
CREATE INDEX events_recorded_brin ON pgrec.events USING brin (recorded_at) WITH (pages_per_range = 32);
CREATE INDEX events_xact_brin ON pgrec.events USING brin (xact_id) WITH (pages_per_range = 32);
CREATE TABLE pgrec.events_default PARTITION OF pgrec.events DEFAULT;
COMMENT ON TABLE pgrec.events_default IS 'Events of months that have no partition yet; the refresh step event_partitions moves them into one.';

-- A partition per month the existing events cover, so the copy lands in them directly.
DO $$
DECLARE
    v_month timestamp;
    v_name  text;
BEGIN
    FOR v_month IN
        SELECT generate_series(date_trunc('month', min(e.occurred_at), 'UTC') AT TIME ZONE 'UTC',
                               date_trunc('month', max(e.occurred_at), 'UTC') AT TIME ZONE 'UTC', interval '1 month')
        FROM pgrec.events_unpartitioned AS e
    LOOP
        v_name := 'events_p' || to_char(v_month, 'YYYY_MM');
        EXECUTE format('CREATE TABLE pgrec.%I PARTITION OF pgrec.events FOR VALUES FROM (%L) TO (%L)',
                       v_name, v_month AT TIME ZONE 'UTC', (v_month + interval '1 month') AT TIME ZONE 'UTC');
        EXECUTE format('COMMENT ON TABLE pgrec.%I IS %L', v_name,
                       format('Events of %s (UTC), a partition of pgrec.events.', to_char(v_month, 'YYYY-MM')));
    END LOOP;
END $$;

-- xact_id is copied: the incremental refresh steps' snapshots saw these events already.
INSERT INTO pgrec.events (id, event_id, user_id, item_id, type, value, context, occurred_at, recorded_at, xact_id)
SELECT e.id, e.event_id, e.user_id, e.item_id, e.type, e.value, e.context, e.occurred_at, e.recorded_at, e.xact_id
FROM pgrec.events_unpartitioned AS e
ORDER BY e.occurred_at;
SELECT setval('pgrec.events_id_seq', max(e.id)) FROM pgrec.events AS e HAVING max(e.id) IS NOT NULL;

CREATE TABLE pgrec.event_ids (
    user_id     bigint NOT NULL REFERENCES pgrec.users (id) ON DELETE CASCADE,
    event_id    text NOT NULL CHECK (length(event_id) BETWEEN 1 AND 200),
    occurred_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, event_id)
);
COMMENT ON TABLE pgrec.event_ids IS 'Client event ids already recorded, unique per user: rec.track skips a repeated (user_id, event_id).';
CREATE INDEX event_ids_time_brin ON pgrec.event_ids USING brin (occurred_at) WITH (pages_per_range = 32);
-- event_id was unique across all users before, so it is unique per user.
INSERT INTO pgrec.event_ids (user_id, event_id, occurred_at)
SELECT e.user_id, e.event_id, e.occurred_at FROM pgrec.events_unpartitioned AS e WHERE e.event_id IS NOT NULL;
DROP TABLE pgrec.events_unpartitioned;

CREATE TABLE pgrec.event_partitioning (
    singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    months_ahead integer NOT NULL DEFAULT 3 CHECK (months_ahead BETWEEN 1 AND 36),
    retention    interval CHECK (retention >= interval '1 month')
);
COMMENT ON TABLE pgrec.event_partitioning IS 'Event partitioning policy: monthly partitions created months_ahead; retention (NULL = keep all) detaches older ones.';
INSERT INTO pgrec.event_partitioning (months_ahead, retention) VALUES (3, NULL);

CREATE VIEW pgrec.weighted_events AS
SELECT e.id,
       e.user_id,
       e.item_id,
       e.type,
       e.value,
       e.occurred_at,
       e.recorded_at,
       CASE WHEN t.neutral_value IS NULL THEN t.weight
            ELSE t.weight * (coalesce(e.value, t.neutral_value) - t.neutral_value)
       END AS weight,
       CASE WHEN t.neutral_value IS NULL THEN t.polarity
            ELSE sign(coalesce(e.value, t.neutral_value) - t.neutral_value)::smallint
       END AS polarity,
       e.xact_id
FROM pgrec.events AS e
JOIN pgrec.event_types AS t ON t.type = e.type;
COMMENT ON VIEW pgrec.weighted_events IS 'Events with effective weight and polarity from pgrec.event_types.';

CREATE VIEW pgrec.profile_event_strengths AS
SELECT e.id,
       e.user_id,
       e.item_id,
       e.occurred_at,
       coalesce(r.strength, CASE WHEN w.polarity = 0 THEN 0 ELSE w.weight END)::double precision AS strength,
       r.rules
FROM pgrec.events AS e
JOIN pgrec.event_types AS t ON t.type = e.type
CROSS JOIN LATERAL (SELECT CASE WHEN t.neutral_value IS NULL THEN t.weight
                                ELSE t.weight * (coalesce(e.value, t.neutral_value) - t.neutral_value) END AS weight,
                           CASE WHEN t.neutral_value IS NULL THEN t.polarity
                                ELSE sign(coalesce(e.value, t.neutral_value) - t.neutral_value) END AS polarity) AS w
LEFT JOIN LATERAL (SELECT sum(f.strength) AS strength, array_agg(f.name ORDER BY f.name) AS rules
                   FROM pgrec.feedback_rules AS f
                   CROSS JOIN LATERAL (SELECT CASE WHEN f.measure = 'value' THEN e.value::double precision
                                                   WHEN jsonb_typeof(e.context -> substr(f.measure, 9)) = 'number'
                                                   THEN (e.context ->> substr(f.measure, 9))::double precision END AS m) AS x
                   WHERE f.event_type = e.type
                     AND x.m >= coalesce(f.min_value, '-infinity') AND x.m < coalesce(f.max_value, 'infinity')
                   HAVING count(*) > 0) AS r ON true;
COMMENT ON VIEW pgrec.profile_event_strengths IS 'Events with their profile strength (matching feedback rules, else the type''s weight; exposures 0) and the rules that matched.';

-- The change log's triggers (revision 0006) on the partitioned table: statement-level, so they
-- see the rows of every partition a statement on pgrec.events touches.
CREATE TRIGGER events_log_deletes
    AFTER DELETE ON pgrec.events
    REFERENCING OLD TABLE AS old_events
    FOR EACH STATEMENT EXECUTE FUNCTION pgrec.log_event_changes();

CREATE TRIGGER events_log_updates
    AFTER UPDATE ON pgrec.events
    REFERENCING OLD TABLE AS old_events NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION pgrec.log_event_changes();

CREATE TRIGGER events_log_truncate
    AFTER TRUNCATE ON pgrec.events
    FOR EACH STATEMENT EXECUTE FUNCTION pgrec.log_event_changes();

INSERT INTO pgrec.refresh_steps (step, position, description, runner, every, min_new_events, depends_on) VALUES
    ('event_partitions',   5, 'monthly partitions of pgrec.events ahead of time, events moved out of the default partition, retention (pgrec.event_partitioning)',
     'sql', '1 day', NULL, '{}');

-- ==== impressions: keyed by user first (distributed by user on Citus, where a unique key must
-- contain the distribution column); a request serves one user, so nothing changes in meaning
ALTER TABLE pgrec.impressions DROP CONSTRAINT impressions_pkey;
ALTER TABLE pgrec.impressions ADD PRIMARY KEY (user_id, id);
DROP INDEX pgrec.impressions_request_item;
CREATE UNIQUE INDEX impressions_request_item ON pgrec.impressions (user_id, request_id, item_id);

-- ==== placement on a Citus cluster: sql/schema/0900_placement.sql
-- Where each table lives on a Citus cluster. On a single PostgreSQL (no citus extension in
-- the database) none of this does anything: pgrec.place_tables() returns at once. With Citus,
-- installing onto the coordinator (alembic upgrade head) places every table:
--   distributed by user, co-located with pgrec.users: the per-user tables, so one user's
--     events, event ids, tag preferences, vectors, model candidates and factors, feed pools,
--     impressions, onboarding answers, follows, consents, profile, achievement claims and the
--     strengths and transitions incremental refresh keeps per user are on one worker and a
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
LANGUAGE sql IMMUTABLE
AS $$
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
        ('pgrec.monthly_top_items',    'reference',   NULL, NULL),
        ('pgrec.models',               'reference',   NULL, NULL),
        ('pgrec.item_factors',         'reference',   NULL, NULL),
        ('pgrec.experiments',          'reference',   NULL, NULL),
        ('pgrec.experiment_variants',  'reference',   NULL, NULL),
        ('pgrec.item_event_totals',    'reference',   NULL, NULL),
        ('pgrec.item_month_users',     'reference',   NULL, NULL),
        ('pgrec.itemknn_rows',         'reference',   NULL, NULL),
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
CREATE FUNCTION pgrec.citus_enabled()
RETURNS boolean
LANGUAGE sql STABLE
AS $$
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
CREATE FUNCTION pgrec.place_tables()
RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$
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
