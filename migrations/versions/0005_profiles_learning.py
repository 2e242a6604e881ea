"""Profiles, learning and consent: profile versions, behaviour interests, history and feedback
rules; learning paths, paces, adaptive difficulty, achievements and recommendation types;
consent per purpose and the audit log; the difficulty signal, feed strategies per
recommendation type and for rec.rank, the refresh step profiles (0005_profiles_learning.sql).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-20
"""

from pathlib import Path

from alembic import op

from app.schema import run_sql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UPGRADE = Path(__file__).with_suffix(".sql")


def upgrade() -> None:
    run_sql(op.get_bind(), UPGRADE.read_text())


def downgrade() -> None:
    # Profiles, paths, achievements, consents and the audit log go with their tables; the seed
    # rows this revision added to shared tables are deleted.
    run_sql(op.get_bind(), """
        DROP TABLE pgrec.audit_log, pgrec.consents, pgrec.consent_purposes;
        DROP TABLE pgrec.recommendation_types, pgrec.achievement_claims, pgrec.achievements,
                   pgrec.difficulty_settings, pgrec.learning_paces, pgrec.path_modules, pgrec.learning_paths;
        DROP INDEX pgrec.items_module;
        DROP VIEW pgrec.profile_event_strengths;
        DROP TABLE pgrec.profile_history, pgrec.profile_interests, pgrec.profiles, pgrec.profile_settings,
                   pgrec.feedback_rules;
        DELETE FROM pgrec.refresh_runs WHERE step = 'profiles';
        DELETE FROM pgrec.refresh_steps WHERE step = 'profiles';
        DELETE FROM pgrec.meta WHERE key = 'profile_rules';
        UPDATE pgrec.strategies SET weights = weights - 'difficulty' WHERE weights ? 'difficulty';
        DELETE FROM pgrec.strategies WHERE name IN ('content_based', 'collaborative', 'trending_now', 'sequential', 'rank');
        DELETE FROM pgrec.signal_phrases WHERE signal = 'difficulty';
        DELETE FROM pgrec.feed_signals WHERE signal = 'difficulty';
    """)
