"""itemknn_totals: the item-item model's per-user and per-item sums are kept beside its
strengths (0012_itemknn_totals.sql).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from pathlib import Path

from alembic import op

from app.schema import run_sql, run_sql_statements

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UPGRADE = Path(__file__).with_suffix(".sql")


def upgrade() -> None:
    run_sql_statements(op.get_bind(), UPGRADE.read_text())


def downgrade() -> None:
    # The API of the revision before does not know these tables; its next itemknn run is full.
    for statement in ("DROP TABLE pgrec.itemknn_users", "DROP TABLE pgrec.itemknn_items",
                      "DELETE FROM pgrec.refresh_state WHERE step = 'itemknn'"):
        run_sql(op.get_bind(), statement)
