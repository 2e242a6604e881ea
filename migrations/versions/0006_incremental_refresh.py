"""Incremental refresh: events.xact_id, pgrec.refresh_state, refresh_steps.full_every, the change
log pgrec.refresh_changes and its triggers, and the tables incremental steps keep (item totals,
users per month, user transitions, itemknn's strengths and rows)
(0006_incremental_refresh.sql).

Revision ID: 0006
Revises: 0005
Create Date: 2027-01-10
"""

from pathlib import Path

from alembic import op

from app.schema import run_sql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UPGRADE = Path(__file__).with_suffix(".sql")


def upgrade() -> None:
    run_sql(op.get_bind(), UPGRADE.read_text())


def downgrade() -> None:
    # Back to steps that recompute everything: the state, the change log and the tables kept
    # for incremental runs go (derived data, rebuilt by the next refresh); events lose the
    # writing transaction.
    # CASCADE: rec functions take or return these tables' row types; below head the API is
    # removed anyway (migrations/env.py), and nothing else depends on them.
    run_sql(op.get_bind(), """
        DROP TABLE pgrec.itemknn_rows, pgrec.itemknn_interactions, pgrec.user_transitions,
                   pgrec.item_month_users, pgrec.item_event_totals CASCADE;
        DROP TRIGGER items_log_embedding_changes ON pgrec.items;
        DROP FUNCTION pgrec.log_embedding_changes();
        DROP TRIGGER events_log_deletes ON pgrec.events;
        DROP TRIGGER events_log_updates ON pgrec.events;
        DROP TRIGGER events_log_truncate ON pgrec.events;
        DROP FUNCTION pgrec.log_event_changes();
        DROP TABLE pgrec.refresh_changes, pgrec.refresh_state CASCADE;
        ALTER TABLE pgrec.refresh_steps DROP COLUMN full_every;
        COMMENT ON TABLE pgrec.refresh_steps IS 'Refresh steps: order, runner (sql|python), cadence, early trigger by new events or dependencies.';
        -- CREATE OR REPLACE cannot drop a view's column.
        DROP VIEW pgrec.weighted_events CASCADE;
        CREATE VIEW pgrec.weighted_events AS
        SELECT e.id, e.user_id, e.item_id, e.type, e.value, e.occurred_at, e.recorded_at,
               CASE WHEN t.neutral_value IS NULL THEN t.weight
                    ELSE t.weight * (coalesce(e.value, t.neutral_value) - t.neutral_value) END AS weight,
               CASE WHEN t.neutral_value IS NULL THEN t.polarity
                    ELSE sign(coalesce(e.value, t.neutral_value) - t.neutral_value)::smallint END AS polarity
        FROM pgrec.events AS e
        JOIN pgrec.event_types AS t ON t.type = e.type;
        COMMENT ON VIEW pgrec.weighted_events IS 'Events with effective weight and polarity from pgrec.event_types.';
        DROP INDEX pgrec.events_xact_brin;
        ALTER TABLE pgrec.events DROP COLUMN xact_id;
    """)
