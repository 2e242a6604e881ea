"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

from alembic import op

from app.schema import apply_schema_files

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}

# sql/schema files this revision introduces, in order. A released file never changes: later
# changes to its objects go in a new numbered file and a new revision.
FILES: list[str] = []


def upgrade() -> None:
    apply_schema_files(op.get_bind(), FILES)


def downgrade() -> None:
    raise NotImplementedError
