"""A/B experiments: pgrec.experiments, pgrec.experiment_variants and pgrec.impressions
(0003_experiments.sql).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-15
"""

from pathlib import Path

from alembic import op

from app.schema import run_sql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UPGRADE = Path(__file__).with_suffix(".sql")


def upgrade() -> None:
    run_sql(op.get_bind(), UPGRADE.read_text())


def downgrade() -> None:
    # Experiments and everything logged for them go; nothing else referred to them.
    run_sql(op.get_bind(), """
        DROP TABLE pgrec.impressions;
        DROP TABLE pgrec.experiment_variants;
        DROP TABLE pgrec.experiments;
    """)
