"""HTTP API: API keys and privacy functions (issue 6)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from alembic import op

from app.schema import apply_schema_files, run_sql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# sql/schema files this revision introduces, in order. A released file never changes: later
# changes to its objects go in a new numbered file and a new revision.
FILES: list[str] = [
    "0500_api_keys.sql",
]


def upgrade() -> None:
    apply_schema_files(op.get_bind(), FILES)


def downgrade() -> None:
    # Drop, in reverse order, what FILES created.
    run_sql(op.get_bind(), "DROP TABLE IF EXISTS pgrec.api_keys")
