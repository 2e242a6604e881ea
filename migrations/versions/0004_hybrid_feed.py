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
FILES: list[str] = [
    "0400_feed_signals.sql",
    "0410_strategies.sql",
    "0420_rules.sql",
    "0430_onboarding_questions.sql",
    "0431_onboarding_options.sql",
    "0432_onboarding_answers.sql",
    "0440_user_vectors.sql",
    "0450_creator_stats.sql",
    "0451_item_signals.sql",
    "0452_tag_top_items.sql",
    "0460_items_embedding_storage.sql",
    "0461_item_neighbors_models_index.sql",
    "0470_feed_refresh_steps.sql",
]


def upgrade() -> None:
    apply_schema_files(op.get_bind(), FILES)


def downgrade() -> None:
    # Drop, in reverse order, what FILES created.
    run_sql(op.get_bind(), """
        DELETE FROM pgrec.item_neighbors WHERE source = 'history';
        DELETE FROM pgrec.refresh_steps WHERE step IN ('neighbors_history', 'feed_signals', 'user_vectors');
        DROP INDEX IF EXISTS pgrec.item_neighbors_models;
        ALTER TABLE pgrec.items ALTER COLUMN embedding SET STORAGE EXTERNAL;
        DROP MATERIALIZED VIEW IF EXISTS pgrec.tag_top_items;
        DROP MATERIALIZED VIEW IF EXISTS pgrec.item_signals;
        DROP MATERIALIZED VIEW IF EXISTS pgrec.creator_stats;
        DROP TABLE IF EXISTS pgrec.user_vectors;
        DROP TABLE IF EXISTS pgrec.onboarding_answers;
        DROP TABLE IF EXISTS pgrec.onboarding_options;
        DROP TABLE IF EXISTS pgrec.onboarding_questions;
        DROP TABLE IF EXISTS pgrec.rules;
        DROP TABLE IF EXISTS pgrec.strategies;
        DROP FUNCTION IF EXISTS pgrec.check_strategy_weights();
        DROP TABLE IF EXISTS pgrec.feed_signals;
    """)
