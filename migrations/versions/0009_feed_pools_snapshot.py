"""feed_pools_snapshot: precomputed feeds remember the snapshot they were built from, and the
events index they ask becomes (user_id, xact_id) (0009_feed_pools_snapshot.sql).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from pathlib import Path

from alembic import op

from app.schema import run_sql, run_sql_statements

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UPGRADE = Path(__file__).with_suffix(".sql")


def upgrade() -> None:
    run_sql_statements(op.get_bind(), UPGRADE.read_text())


def downgrade() -> None:
    for statement in ("DROP INDEX pgrec.events_user_xact",
                      "CREATE INDEX events_user_id ON pgrec.events (user_id, id)",
                      "TRUNCATE pgrec.feed_pools",
                      "ALTER TABLE pgrec.feed_pools DROP COLUMN snapshot, DROP COLUMN xact_id"):
        run_sql(op.get_bind(), statement)
