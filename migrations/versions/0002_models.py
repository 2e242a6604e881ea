"""Fitted models and the fitted blend: pgrec.models, per-user candidates, ALS factors, the
replay guard, tuned strategies, and the refresh steps itemknn, ease, als and tune
(0002_models.sql).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from pathlib import Path

from alembic import op

from app.schema import run_sql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UPGRADE = Path(__file__).with_suffix(".sql")


def upgrade() -> None:
    run_sql(op.get_bind(), UPGRADE.read_text())


def downgrade() -> None:
    # Back to the co-occurrence neighbours of 0001: its tables, steps and presets. Fitted models
    # and tuned strategies are dropped (a later upgrade refits them).
    run_sql(op.get_bind(), """
        DROP TABLE pgrec.feed_pools;
        DROP TABLE pgrec.replay_guard;
        DROP FUNCTION pgrec.replay_cannot_commit();
        DROP TABLE pgrec.user_candidates, pgrec.item_factors, pgrec.user_factors, pgrec.models,
                   pgrec.monthly_top_items;
        DELETE FROM pgrec.strategies WHERE tuned_from IS NOT NULL;
        ALTER TABLE pgrec.strategies DROP COLUMN tuned_from, DROP COLUMN fitted_at, DROP COLUMN metrics;
        UPDATE pgrec.strategies SET description = 'New users: onboarding preferences, trending, nearby and popular items.',
            weights = '{"explicit": 0.25, "collaborative": 0.20, "trending": 0.15, "location": 0.10, "engagement": 0.20, "recency": 0.10}',
            max_per_category = 3
        WHERE name = 'cold_start';
        UPDATE pgrec.strategies SET description = 'Balanced personal feed: collaborative neighbours first, then declared and observed interests, engagement and freshness.',
            weights = '{"collaborative": 0.48, "explicit": 0.17, "tags": 0.11, "engagement": 0.07, "popularity": 0.04, "recency": 0.03, "vector": 0.03, "behavioral": 0.03, "velocity": 0.01, "trending": 0.01, "location": 0.01, "creator": 0.01}'
        WHERE name = 'default';
        UPDATE pgrec.strategies SET sources = NULL WHERE sources && ARRAY['ease', 'als', 'contemporary'];
        DELETE FROM pgrec.signal_phrases WHERE signal IN ('ease', 'als', 'contemporary');
        DELETE FROM pgrec.feed_signals WHERE signal IN ('ease', 'als', 'contemporary');
        UPDATE pgrec.feed_signals
        SET description = 'item-item neighbours of the anchor items (the user''s positive history, an item, a session), scaled by the best'
        WHERE signal = 'collaborative';
        ALTER TABLE pgrec.feed_signals DROP CONSTRAINT feed_signals_source_check;
        ALTER TABLE pgrec.feed_signals ADD CONSTRAINT feed_signals_source_check
            CHECK (source IN ('collaborative', 'sequence', 'keyword', 'trending', 'tags', 'vector', 'nearby', 'popular', 'fresh'));
        ALTER TABLE pgrec.strategies DROP CONSTRAINT strategies_sources_check;
        ALTER TABLE pgrec.strategies ADD CONSTRAINT strategies_sources_check
            CHECK (sources <@ ARRAY['collaborative', 'sequence', 'keyword', 'trending', 'tags', 'vector', 'nearby', 'popular', 'fresh']);
        DELETE FROM pgrec.refresh_steps WHERE step IN ('itemknn', 'ease', 'als', 'feed_pools', 'tune');
        INSERT INTO pgrec.refresh_steps (step, position, description, runner, every, min_new_events, depends_on) VALUES
            ('neighbors', 200, 'item-to-item co-occurrence neighbours over the last 180 days (pgrec.item_neighbors)',
             'sql', '1 day', 5000, '{}'),
            ('neighbors_history', 210, 'co-occurrence neighbours over all history for items the neighbors window leaves out (pgrec.item_neighbors, source history)',
             'sql', '1 day', NULL, '{}');
        DROP VIEW pgrec.refresh_status;
        ALTER TABLE pgrec.refresh_steps DROP COLUMN in_all;
        CREATE VIEW pgrec.refresh_status AS
        SELECT s.step, s.position, s.description, s.runner, s.every, s.enabled,
               l.started_at AS last_started_at, l.outcome AS last_outcome, l.rows AS last_rows,
               extract(epoch FROM l.finished_at - l.started_at)::double precision AS last_seconds,
               l.detail AS last_detail, ok.started_at AS last_ok_started_at, ok.finished_at AS last_ok_at,
               ok.rows AS last_ok_rows
        FROM pgrec.refresh_steps AS s
        LEFT JOIN LATERAL (SELECT r.* FROM pgrec.refresh_runs AS r
                           WHERE r.step = s.step ORDER BY r.started_at DESC, r.id DESC LIMIT 1) AS l ON true
        LEFT JOIN LATERAL (SELECT r.* FROM pgrec.refresh_runs AS r
                           WHERE r.step = s.step AND r.outcome = 'ok' ORDER BY r.started_at DESC, r.id DESC LIMIT 1) AS ok ON true;
        COMMENT ON VIEW pgrec.refresh_status IS 'Latest run and latest successful run of each refresh step.';
        DROP TABLE pgrec.item_neighbors;
        CREATE TABLE pgrec.item_neighbors (
            item_id     bigint NOT NULL REFERENCES pgrec.items (id) ON DELETE CASCADE,
            neighbor_id bigint NOT NULL REFERENCES pgrec.items (id) ON DELETE CASCADE,
            score       real NOT NULL CHECK (score > 0),
            source      text NOT NULL DEFAULT 'cooccurrence',
            PRIMARY KEY (item_id, neighbor_id),
            CHECK (item_id <> neighbor_id)
        );
        COMMENT ON TABLE pgrec.item_neighbors IS 'Top item-to-item neighbours with a similarity score (refresh steps: neighbors, neighbors_history, models).';
        CREATE INDEX item_neighbors_models ON pgrec.item_neighbors (item_id, source) WHERE source NOT IN ('cooccurrence', 'history');
    """)
