"""last_served_at: when a user was last shown a feed page (rec.log_impressions), so that users who
are shown feeds without acting get precomputed pools too (0013_last_served_at.sql).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from pathlib import Path

from alembic import op

from app.schema import run_sql, run_sql_statements

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

UPGRADE = Path(__file__).with_suffix(".sql")


def upgrade() -> None:
    run_sql_statements(op.get_bind(), UPGRADE.read_text())


def downgrade() -> None:
    run_sql(op.get_bind(), "ALTER TABLE pgrec.users DROP COLUMN last_served_at")
