"""The explore page and the local marketplace: pgrec.follows, the candidate source "following",
exclusion by event type (policy unapplied), a recency boost factor per strategy, a quiz per
product, and both applications' presets (0004_applications.sql).

Revision ID: 0004
Revises: 0003
Create Date: 2027-01-10
"""

from pathlib import Path

from alembic import op

from app.schema import run_sql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UPGRADE = Path(__file__).with_suffix(".sql")


def upgrade() -> None:
    run_sql(op.get_bind(), UPGRADE.read_text())


def downgrade() -> None:
    # Back to 0003: follows and the explore quiz go (with the answers given to it), the new
    # presets and policy go, explore and marketplace get their 0003 rows back. A tuned strategy
    # fitted against a new preset goes with it (ON DELETE CASCADE); an experiment or a rule
    # still naming one stops the downgrade, as it should.
    run_sql(op.get_bind(), """
        DROP TABLE pgrec.follows;

        DELETE FROM pgrec.onboarding_questions WHERE questionnaire = 'explore';
        DELETE FROM pgrec.tag_kinds WHERE kind = 'level';
        ALTER TABLE pgrec.onboarding_questions DROP COLUMN questionnaire;

        UPDATE pgrec.strategies
        SET description = 'Discovery: content similarity and declared interests over what is popular.',
            cold_start = 'cold_start'
        WHERE name = 'explore';
        UPDATE pgrec.strategies
        SET description = 'Local listings: distance first, then interests, engagement and freshness.',
            weights = '{"location": 0.25, "tags": 0.20, "engagement": 0.15, "recency": 0.10, "creator": 0.10,
                        "collaborative": 0.10, "vector": 0.10}',
            cold_start = 'cold_start', recency_tau_days = 7
        WHERE name = 'marketplace';
        UPDATE pgrec.strategies SET cold_start = 'cold_start'
        WHERE cold_start IN ('explore_cold', 'marketplace_cold');
        DELETE FROM pgrec.strategies
        WHERE name IN ('explore_new', 'explore_trending', 'marketplace_trending', 'marketplace_nearby',
                       'marketplace_similar');
        DELETE FROM pgrec.strategies WHERE name IN ('explore_cold', 'marketplace_cold');
        ALTER TABLE pgrec.strategies DROP COLUMN recency_new_boost, DROP COLUMN distance_limit_km;

        UPDATE pgrec.strategies SET exclusion_policy = 'unseen' WHERE exclusion_policy = 'unapplied';
        DELETE FROM pgrec.exclusion_policies WHERE name = 'unapplied';
        ALTER TABLE pgrec.exclusion_policies DROP COLUMN event_types;

        UPDATE pgrec.signal_phrases SET phrase = 'from a creator you liked', fallback = NULL
        WHERE signal = 'behavioral' AND list = '*';
        UPDATE pgrec.feed_signals
        SET source = NULL, description = 'creator affinity boost minus a penalty for items already viewed'
        WHERE signal = 'behavioral';
        UPDATE pgrec.strategies SET sources = array_remove(sources, 'following') WHERE 'following' = ANY (sources);
        ALTER TABLE pgrec.strategies DROP CONSTRAINT strategies_sources_check;
        ALTER TABLE pgrec.strategies ADD CONSTRAINT strategies_sources_check
            CHECK (sources <@ ARRAY['collaborative', 'ease', 'als', 'sequence', 'keyword', 'trending',
                                    'tags', 'vector', 'nearby', 'popular', 'contemporary', 'fresh']);
        ALTER TABLE pgrec.feed_signals DROP CONSTRAINT feed_signals_source_check;
        ALTER TABLE pgrec.feed_signals ADD CONSTRAINT feed_signals_source_check
            CHECK (source IN ('collaborative', 'ease', 'als', 'sequence', 'keyword', 'trending', 'tags',
                              'vector', 'nearby', 'popular', 'contemporary', 'fresh'));
    """)
