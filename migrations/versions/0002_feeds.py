"""Trending, latest, similar, nearby, search, next-step feeds and refresh orchestration (issue 4)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from alembic import op

from app.schema import apply_schema_files, run_sql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# sql/schema files this revision introduces, in order. A released file never changes: later
# changes to its objects go in a new numbered file and a new revision.
FILES: list[str] = [
    "0200_haversine_km.sql",
    "0210_trending_scores.sql",
    "0220_trending.sql",
    "0230_item_transitions.sql",
    "0240_items_location_index.sql",
    "0250_refresh_steps_feeds.sql",
    "0260_refresh_status.sql",
]


def upgrade() -> None:
    apply_schema_files(op.get_bind(), FILES)


def downgrade() -> None:
    # Drop, in reverse order, what FILES created. The run log keeps its history: it belongs
    # to the foundation and old rows of a removed step are harmless.
    run_sql(op.get_bind(), """
        DROP VIEW IF EXISTS pgrec.refresh_status;
        DELETE FROM pgrec.refresh_steps WHERE step IN ('trending', 'transitions');
        DROP INDEX IF EXISTS pgrec.items_live_location;
        DROP TABLE IF EXISTS pgrec.item_transitions;
        DROP MATERIALIZED VIEW IF EXISTS pgrec.trending;
        DROP FUNCTION IF EXISTS pgrec.trending_scores(timestamptz, interval);
        DROP FUNCTION IF EXISTS pgrec.haversine_km(double precision, double precision, double precision, double precision);
    """)
