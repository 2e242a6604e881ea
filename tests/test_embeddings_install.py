"""Revision 0003 (embeddings change tracking): downgrade, upgrade over existing items, grants."""

from __future__ import annotations

import psycopg
import pytest

from app.db import connect
from app.schema import downgrade, migrate


def test_downgrade_removes_tracking_and_upgrade_backfills_existing_items(fresh_db: str) -> None:
    downgrade(fresh_db, "0002")
    with connect(fresh_db) as conn:
        assert conn.execute("SELECT to_regclass('pgrec.embedding_queue')").fetchone()[0] is None
        assert conn.execute("SELECT count(*) FROM pg_attribute WHERE attrelid = 'pgrec.items'::regclass "
                            "AND attname IN ('content_hash', 'embedded_hash') AND NOT attisdropped").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'pgrec.items'::regclass "
                            "AND NOT tgisinternal").fetchone()[0] == 0
        # Items written before change tracking existed, one of them already embedded.
        conn.execute("INSERT INTO pgrec.items (external_id, title) VALUES ('old1', 'Old one'), ('old2', 'Old two')")
        conn.execute("UPDATE pgrec.items SET embedding = array_fill(0.1, ARRAY[384])::vector WHERE external_id = 'old2'")
    migrate(fresh_db)
    with connect(fresh_db) as conn:
        queued = conn.execute("SELECT i.external_id FROM pgrec.embedding_queue q JOIN pgrec.items i ON i.id = q.item_id"
                              ).fetchall()
        assert queued == [("old1",)]
        assert conn.execute("SELECT count(*) FROM pgrec.items WHERE content_hash IS NULL").fetchone()[0] == 0
        assert conn.execute("SELECT embedded_hash = content_hash FROM pgrec.items WHERE external_id = 'old2'"
                            ).fetchone()[0]


def test_worker_functions_are_for_the_admin_role_only(fresh_db: str) -> None:
    with connect(fresh_db) as conn:
        conn.execute("CREATE ROLE pgrec_test_app LOGIN IN ROLE pgrec_app")
        conn.execute("CREATE ROLE pgrec_test_admin LOGIN IN ROLE pgrec_admin")
        try:
            conn.execute("SET ROLE pgrec_test_app")
            assert conn.execute("SELECT rec.embedding_dim()").fetchone()[0] == 384
            for sql in ("SELECT * FROM rec.embed_claim(1)", "SELECT rec.embed_status()",
                        "SELECT rec.log_job_run('x', now(), 'ok')"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(sql)
            conn.execute("RESET ROLE")
            conn.execute("SET ROLE pgrec_test_admin")
            assert conn.execute("SELECT rec.embed_status() ->> 'pending'").fetchone()[0] == "0"
            assert conn.execute("SELECT count(*) FROM rec.embed_claim(1)").fetchone()[0] == 0
            assert conn.execute("SELECT new_events FROM rec.job_freshness('stats')").fetchone()[0] == 0
        finally:
            conn.execute("RESET ROLE")
            for role in ("pgrec_test_app", "pgrec_test_admin"):
                conn.execute(f"DROP OWNED BY {role}")
                conn.execute(f"DROP ROLE {role}")
