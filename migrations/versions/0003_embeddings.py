"""Embeddings: change tracking and the embedding queue (issue 5)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from alembic import op

from app.schema import apply_schema_files, run_sql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# sql/schema files this revision introduces, in order. A released file never changes: later
# changes to its objects go in a new numbered file and a new revision.
FILES: list[str] = [
    "0300_embedding_attributes.sql",
    "0310_item_embedding_text.sql",
    "0320_item_content_hash.sql",
    "0330_embedding_queue.sql",
    "0340_items_content_hash_trigger.sql",
    "0350_items_enqueue_embedding_trigger.sql",
    "0360_events_recorded_brin.sql",
]


def upgrade() -> None:
    apply_schema_files(op.get_bind(), FILES)


def downgrade() -> None:
    # Drop, in reverse order, what FILES created. Embeddings themselves (items.embedding,
    # foundation) stay; only the change tracking goes.
    run_sql(op.get_bind(), """
        DROP INDEX IF EXISTS pgrec.events_recorded_brin;
        DROP TRIGGER IF EXISTS items_enqueue_embedding_update ON pgrec.items;
        DROP TRIGGER IF EXISTS items_enqueue_embedding_insert ON pgrec.items;
        DROP FUNCTION IF EXISTS pgrec.items_enqueue_embedding();
        DROP TRIGGER IF EXISTS items_content_hash ON pgrec.items;
        DROP FUNCTION IF EXISTS pgrec.items_set_content_hash();
        DROP TABLE IF EXISTS pgrec.embedding_queue;
        ALTER TABLE pgrec.items DROP COLUMN IF EXISTS embedded_hash, DROP COLUMN IF EXISTS content_hash;
        DROP FUNCTION IF EXISTS pgrec.item_embedding_text(text, text, integer[], jsonb);
        DROP TABLE IF EXISTS pgrec.embedding_attributes;
    """)
