"""feed_pools_page: precomputed feeds store the page they serve while nothing drops out
(0010_feed_pools_page.sql).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from pathlib import Path

from alembic import op

from app.schema import run_sql, run_sql_statements

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UPGRADE = Path(__file__).with_suffix(".sql")


def upgrade() -> None:
    run_sql_statements(op.get_bind(), UPGRADE.read_text())


def downgrade() -> None:
    run_sql(op.get_bind(), "ALTER TABLE pgrec.feed_pools DROP CONSTRAINT feed_pools_page_check, "
                           "DROP COLUMN page_ids, DROP COLUMN page_scores, DROP COLUMN page_reasons")
