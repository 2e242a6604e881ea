"""Events partitioned by month, exactly-once per (user, event_id), client user ids in user_keys,
tables placed on a Citus coordinator (0002_events_partitioned.sql).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from pathlib import Path

from alembic import op

from app.schema import drop_api, run_sql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UPGRADE = Path(__file__).with_suffix(".sql")

# Back to one unpartitioned events table with a global unique event_id (the 0001 layout). Event
# ids that two users share since this revision cannot both stay: the later ones are cleared.
DOWNGRADE = """
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
        RAISE EXCEPTION 'pgrec on a Citus cluster cannot be downgraded below revision 0002'
            USING HINT = 'Drop the database (or alembic downgrade base after undistributing the tables).';
    END IF;
END $$;

DROP FUNCTION pgrec.place_tables();
DROP FUNCTION pgrec.citus_enabled();
DROP FUNCTION pgrec.table_placements();
DELETE FROM pgrec.refresh_steps WHERE step = 'event_partitions';
DROP TABLE pgrec.event_partitioning;
DROP TABLE pgrec.event_ids;

DROP VIEW pgrec.weighted_events;
ALTER TABLE pgrec.events RENAME TO events_partitioned;
ALTER TABLE pgrec.events_partitioned DROP CONSTRAINT events_user_time;
DROP INDEX pgrec.events_item_time, pgrec.events_time_brin, pgrec.events_recorded_brin;
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
    recorded_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pgrec.events IS 'Interaction events; event_id (client supplied) makes delivery exactly-once.';
INSERT INTO pgrec.events (id, event_id, user_id, item_id, type, value, context, occurred_at, recorded_at)
OVERRIDING SYSTEM VALUE
SELECT e.id,
       CASE WHEN row_number() OVER (PARTITION BY e.event_id ORDER BY e.id) = 1 THEN e.event_id END,
       e.user_id, e.item_id, e.type, e.value, e.context, e.occurred_at, e.recorded_at
FROM pgrec.events_partitioned AS e
ORDER BY e.id;
SELECT setval(pg_get_serial_sequence('pgrec.events', 'id'), max(e.id)) FROM pgrec.events AS e HAVING max(e.id) IS NOT NULL;
DROP TABLE pgrec.events_partitioned;

CREATE UNIQUE INDEX events_event_id ON pgrec.events (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX events_user_time ON pgrec.events (user_id, occurred_at DESC) INCLUDE (item_id, type);
CREATE INDEX events_item_time ON pgrec.events (item_id, occurred_at);
CREATE INDEX events_time_brin ON pgrec.events USING brin (occurred_at) WITH (pages_per_range = 32);
CREATE INDEX events_recorded_brin ON pgrec.events USING brin (recorded_at) WITH (pages_per_range = 32);

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
       END AS polarity
FROM pgrec.events AS e
JOIN pgrec.event_types AS t ON t.type = e.type;
COMMENT ON VIEW pgrec.weighted_events IS 'Events with effective weight and polarity from pgrec.event_types.';

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
