"""The hybrid feed: strategies, user vectors, onboarding, rules (issue 3)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from alembic import op

from app.schema import apply_schema_files, run_sql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# sql/schema files this revision introduces, in order. A released file never changes: later
# changes to its objects go in a new numbered file and a new revision.
FILES: list[str] = []


def upgrade() -> None:
    apply_schema_files(op.get_bind(), FILES)


def downgrade() -> None:
    # Drop, in reverse order, what FILES created.
    run_sql(op.get_bind(), "SELECT 1")
