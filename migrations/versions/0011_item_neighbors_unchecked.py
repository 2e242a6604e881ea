"""item_neighbors_unchecked: the item-to-item rows keep no foreign keys to items; a statement
trigger deletes a deleted item's rows (0011_item_neighbors_unchecked.sql).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from pathlib import Path

from alembic import op

from app.schema import run_sql, run_sql_statements

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

UPGRADE = Path(__file__).with_suffix(".sql")


def upgrade() -> None:
    run_sql_statements(op.get_bind(), UPGRADE.read_text())


def downgrade() -> None:
    for statement in ("DROP TRIGGER IF EXISTS items_drop_neighbors ON pgrec.items",
                      "DROP FUNCTION pgrec.drop_item_neighbors()",
                      # Rows an item deleted during a refresh left behind would fail the keys.
                      "DELETE FROM pgrec.item_neighbors AS n WHERE NOT EXISTS (SELECT FROM pgrec.items AS i "
                      "WHERE i.id = n.item_id) OR NOT EXISTS (SELECT FROM pgrec.items AS i WHERE i.id = n.neighbor_id)",
                      "ALTER TABLE pgrec.item_neighbors ADD CONSTRAINT item_neighbors_item_id_fkey "
                      "FOREIGN KEY (item_id) REFERENCES pgrec.items (id) ON DELETE CASCADE",
                      "ALTER TABLE pgrec.item_neighbors ADD CONSTRAINT item_neighbors_neighbor_id_fkey "
                      "FOREIGN KEY (neighbor_id) REFERENCES pgrec.items (id) ON DELETE CASCADE"):
        run_sql(op.get_bind(), statement)
