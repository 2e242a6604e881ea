"""kept_sums: the sums incremental refresh moves instead of recounting — itemknn's per-user and
per-item sums, the users per transition pair (0012_kept_sums.sql).

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
    # The API of the revision before does not know these tables; the next itemknn and transitions runs are full.
    for statement in ("DROP TABLE pgrec.itemknn_users", "DROP TABLE pgrec.itemknn_items",
                      "DROP TABLE pgrec.transition_pairs",
                      "DELETE FROM pgrec.refresh_state WHERE step IN ('itemknn', 'transitions')"):
        run_sql(op.get_bind(), statement)
