"""Events partitioned by month, exactly-once per (user, event_id), client user ids in user_keys,
tables placed on a Citus coordinator, impressions keyed by user (0007_events_partitioned.sql).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from pathlib import Path

from alembic import op

from app.schema import drop_api, run_sql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UPGRADE = Path(__file__).with_suffix(".sql")

# Back to one unpartitioned events table with a global unique event_id (the layout before this revision). Event
# ids that two users share since this revision cannot both stay: the later ones are cleared.
DOWNGRADE = r"""
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
        RAISE EXCEPTION 'pgrec on a Citus cluster cannot be downgraded below revision 0007'
            USING HINT = 'Drop the database (or alembic downgrade base after undistributing the tables).';
    END IF;
END $$;

DROP FUNCTION pgrec.place_tables();

ALTER TABLE pgrec.impressions DROP CONSTRAINT impressions_pkey;
ALTER TABLE pgrec.impressions ADD PRIMARY KEY (id);
DROP INDEX pgrec.impressions_request_item;
CREATE UNIQUE INDEX impressions_request_item ON pgrec.impressions (request_id, item_id);
DROP FUNCTION pgrec.citus_enabled();
DROP FUNCTION pgrec.table_placements();
DELETE FROM pgrec.refresh_steps WHERE step = 'event_partitions';
DROP TABLE pgrec.event_partitioning;
DROP TABLE pgrec.event_ids;

DROP VIEW pgrec.weighted_events, pgrec.profile_event_strengths;
ALTER TABLE pgrec.events RENAME TO events_partitioned;
ALTER TABLE pgrec.events_partitioned DROP CONSTRAINT events_user_time;
DROP INDEX pgrec.events_item_time, pgrec.events_time_brin, pgrec.events_recorded_brin, pgrec.events_xact_brin;
ALTER SEQUENCE pgrec.events_id_seq RENAME TO events_partitioned_id_seq;

CREATE TABLE pgrec.events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id    text CHECK (length(event_id) BETWEEN 1 AND 200),
    user_id     bigint NOT NULL REFERENCES pgrec.users (id) ON DELETE CASCADE,
    item_id     bigint NOT NULL REFERENCES pgrec.items (id) ON DELETE CASCADE,
    type        text NOT NULL REFERENCES pgrec.event_types (type),
    value       real CHECK (value BETWEEN -1e6 AND 1e6),
    context     jsonb CHECK (jsonb_typeof(context) = 'object'),
    occurred_at timestamptz NOT NULL CHECK (isfinite(occurred_at)),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    xact_id     bigint DEFAULT (pg_current_xact_id()::text::bigint)
);
COMMENT ON TABLE pgrec.events IS 'Interaction events; event_id (client supplied) makes delivery exactly-once.';
INSERT INTO pgrec.events (id, event_id, user_id, item_id, type, value, context, occurred_at, recorded_at, xact_id)
OVERRIDING SYSTEM VALUE
SELECT e.id,
       CASE WHEN row_number() OVER (PARTITION BY e.event_id ORDER BY e.id) = 1 THEN e.event_id END,
       e.user_id, e.item_id, e.type, e.value, e.context, e.occurred_at, e.recorded_at, e.xact_id
FROM pgrec.events_partitioned AS e
ORDER BY e.id;
SELECT setval(pg_get_serial_sequence('pgrec.events', 'id'), max(e.id)) FROM pgrec.events AS e HAVING max(e.id) IS NOT NULL;
DROP TABLE pgrec.events_partitioned;

CREATE UNIQUE INDEX events_event_id ON pgrec.events (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX events_user_time ON pgrec.events (user_id, occurred_at DESC) INCLUDE (item_id, type);
CREATE INDEX events_item_time ON pgrec.events (item_id, occurred_at);
CREATE INDEX events_time_brin ON pgrec.events USING brin (occurred_at) WITH (pages_per_range = 32);
CREATE INDEX events_recorded_brin ON pgrec.events USING brin (recorded_at) WITH (pages_per_range = 32);
CREATE INDEX events_xact_brin ON pgrec.events USING brin (xact_id) WITH (pages_per_range = 32);
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

CREATE FUNCTION pgrec.items_enqueue_embedding()
RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    INSERT INTO pgrec.embedding_queue (item_id)
    SELECT n.id FROM changed_items AS n
    WHERE n.content_hash IS DISTINCT FROM n.embedded_hash
    ORDER BY n.id
    ON CONFLICT (item_id) DO NOTHING;
    RETURN NULL;
END;
$fn$;
COMMENT ON FUNCTION pgrec.items_enqueue_embedding() IS 'Trigger: queue inserted or updated items whose content_hash differs from embedded_hash.';
CREATE TRIGGER items_enqueue_embedding_insert
    AFTER INSERT ON pgrec.items
    REFERENCING NEW TABLE AS changed_items
    FOR EACH STATEMENT EXECUTE FUNCTION pgrec.items_enqueue_embedding();
CREATE TRIGGER items_enqueue_embedding_update
    AFTER UPDATE ON pgrec.items
    REFERENCING NEW TABLE AS changed_items
    FOR EACH STATEMENT EXECUTE FUNCTION pgrec.items_enqueue_embedding();

ALTER TABLE pgrec.strategies DROP CONSTRAINT strategies_weights_signals;
DROP FUNCTION pgrec.strategy_weights_are_valid(jsonb);
CREATE FUNCTION pgrec.check_strategy_weights()
RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_bad text;
BEGIN
    SELECT string_agg(k, ', ' ORDER BY k) INTO v_bad
    FROM jsonb_each(NEW.weights) AS w(k, v)
    WHERE k NOT IN (SELECT s.signal FROM pgrec.feed_signals AS s)
       OR jsonb_typeof(v) <> 'number' OR (v #>> '{}')::float8 < 0 OR (v #>> '{}')::float8 > 1000;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'strategy "%": bad weights for %', NEW.name, v_bad
            USING ERRCODE = '22023', HINT = 'Weights are {signal: number 0..1000}; signals are listed in pgrec.feed_signals.';
    END IF;
    RETURN NEW;
END;
$fn$;
COMMENT ON FUNCTION pgrec.check_strategy_weights() IS 'Trigger: strategy weights must be {signal: number 0..1000} over pgrec.feed_signals.';
CREATE TRIGGER strategies_check_weights
    BEFORE INSERT OR UPDATE OF weights ON pgrec.strategies
    FOR EACH ROW EXECUTE FUNCTION pgrec.check_strategy_weights();

DROP FUNCTION pgrec.is_live(text, timestamptz, timestamptz, timestamptz);
CREATE FUNCTION pgrec.is_live(p_item pgrec.items, p_now timestamptz)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
RETURN p_item.status = 'active'
   AND p_item.created_at <= p_now
   AND (p_item.expires_at IS NULL OR p_item.expires_at > p_now);
COMMENT ON FUNCTION pgrec.is_live(pgrec.items, timestamptz) IS
'True when the item may be shown at p_now: status active, created_at <= p_now, not expired.';

CREATE FUNCTION pgrec.item_embedding_text(p_title text, p_description text, p_tag_ids integer[], p_attributes jsonb)
RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT concat_ws(E'\n',
        nullif(btrim(p_title), ''),
        nullif(btrim(p_description), ''),
        (SELECT 'Tags: ' || string_agg(t.name, ', ' ORDER BY t.name)
         FROM pgrec.tags AS t WHERE t.id = ANY (p_tag_ids)),
        (SELECT string_agg(a.key || ': ' || a.value, E'\n' ORDER BY a.key)
         FROM (SELECT k.key,
                      CASE jsonb_typeof(v.value)
                          WHEN 'array' THEN (SELECT string_agg(x #>> '{}', ', ')
                                             FROM jsonb_array_elements(v.value) AS x
                                             WHERE jsonb_typeof(x) IN ('string', 'number', 'boolean'))
                          WHEN 'object' THEN NULL
                          WHEN 'null' THEN NULL
                          ELSE v.value #>> '{}'
                      END AS value
               FROM pgrec.embedding_attributes AS k
               JOIN LATERAL (SELECT p_attributes -> k.key AS value) AS v ON v.value IS NOT NULL) AS a
         WHERE nullif(btrim(a.value), '') IS NOT NULL));
$fn$;
COMMENT ON FUNCTION pgrec.item_embedding_text(text, text, integer[], jsonb) IS
'The text an item is embedded from: title, description, a "Tags:" line and selected attributes (pgrec.embedding_attributes).';
CREATE FUNCTION pgrec.items_set_content_hash()
RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    NEW.content_hash := encode(sha256(convert_to(
        pgrec.item_embedding_text(NEW.title, NEW.description, NEW.tag_ids, NEW.attributes), 'UTF8')), 'hex');
    RETURN NEW;
END;
$fn$;
COMMENT ON FUNCTION pgrec.items_set_content_hash() IS 'Trigger: set items.content_hash from the embedding text.';
CREATE TRIGGER items_content_hash
    BEFORE INSERT OR UPDATE OF title, description, tag_ids, attributes ON pgrec.items
    FOR EACH ROW EXECUTE FUNCTION pgrec.items_set_content_hash();
COMMENT ON COLUMN pgrec.items.content_hash IS 'SHA-256 (hex) of the embedding text (pgrec.item_embedding_text); set by trigger.';

DROP TABLE pgrec.user_keys;
ALTER TABLE pgrec.users ADD CONSTRAINT users_external_id_key UNIQUE (external_id);
COMMENT ON TABLE pgrec.users IS 'Users; external_id is the client''s id. Created on first track() if unknown.';
"""


def upgrade() -> None:
    # The rec functions of the previous revision read the old events table (some are bound to
    # it at creation); they go first, and env.py installs the current API at head.
    drop_api(op.get_bind().connection.driver_connection)
    run_sql(op.get_bind(), UPGRADE.read_text())


def downgrade() -> None:
    drop_api(op.get_bind().connection.driver_connection)
    run_sql(op.get_bind(), DOWNGRADE)
