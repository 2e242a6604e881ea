"""Foundation: schemas and roles, items, users, tags, events, event types, item stats,
item neighbours and the refresh bookkeeping.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from alembic import op

from app.schema import apply_schema_files, run_sql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# sql/schema files this revision introduces, in order. A released file never changes: later
# changes to its objects go in a new numbered file and a new revision.
FILES = [
    "0010_schemas.sql",
    "0020_meta.sql",
    "0030_event_types.sql",
    "0040_tags.sql",
    "0050_items.sql",
    "0060_item_embedding.sql",
    "0070_users.sql",
    "0080_events.sql",
    "0085_weighted_events.sql",
    "0090_item_stats.sql",
    "0100_item_neighbors.sql",
    "0110_refresh.sql",
]


def upgrade() -> None:
    apply_schema_files(op.get_bind(), FILES)


def downgrade() -> None:
    # Everything pgrec owns goes, except Alembic's own version table in the same schema. Roles
    # and the vector extension stay: other databases on the server may use them.
    run_sql(op.get_bind(), "DROP SCHEMA IF EXISTS rec CASCADE")
    run_sql(op.get_bind(), """
        DO $$
        DECLARE r record;
        BEGIN
            FOR r IN SELECT format('pgrec.%I', c.relname) AS name, c.relkind FROM pg_class c
                     WHERE c.relnamespace = 'pgrec'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
                       AND c.relname <> 'alembic_version'
            LOOP
                EXECUTE format('DROP %s IF EXISTS %s CASCADE',
                               CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
                               r.name);
            END LOOP;
            FOR r IN SELECT p.oid::regprocedure::text AS name FROM pg_proc p WHERE p.pronamespace = 'pgrec'::regnamespace
            LOOP
                EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', r.name);
            END LOOP;
        END $$
    """)
