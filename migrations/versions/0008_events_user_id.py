"""events_user_id: the user's events after a given event id, for serving precomputed feeds
(0008_events_user_id.sql).

Revision ID: 0008
Revises: 0007
Create Date: 2027-01-20
"""

from pathlib import Path

from alembic import op

from app.schema import run_sql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UPGRADE = Path(__file__).with_suffix(".sql")


def upgrade() -> None:
    run_sql(op.get_bind(), UPGRADE.read_text())


def downgrade() -> None:
    run_sql(op.get_bind(), "DROP INDEX pgrec.events_user_id;")
