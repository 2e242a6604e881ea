"""Baseline: every pgrec table, index, trigger and seed row (0001_baseline.sql).

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from pathlib import Path

from alembic import op

from app.schema import run_sql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BASELINE = Path(__file__).with_suffix(".sql")


def upgrade() -> None:
    run_sql(op.get_bind(), BASELINE.read_text())


def downgrade() -> None:
    # Everything pgrec owns goes, except Alembic's own version table in the same schema (the
    # API in rec is removed by env.py). Roles and the vector extension stay: other databases on
    # the server may use them.
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
