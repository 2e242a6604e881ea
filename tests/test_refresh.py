"""rec.refresh (foundation): steps, run log, neighbours and stats content, validation."""

from __future__ import annotations

import psycopg

from tests.support import call, refresh, sqlstate_of


def test_refresh_all_runs_every_step_and_logs_runs(conn) -> None:
    call(conn, "upsert_items", [{"id": "a"}, {"id": "b"}, {"id": "c"}])
    call(conn, "track", [{"user_id": f"u{k}", "item_id": i, "type": "like"} for k in range(3) for i in ("a", "b")]
         + [{"user_id": "u9", "item_id": "c", "type": "view"}])
    outcomes = refresh(conn)
    assert {"stats", "neighbors"} <= set(outcomes) and set(outcomes.values()) == {"ok"}
    logged = conn.execute("SELECT step, outcome, rows FROM pgrec.refresh_runs WHERE step IN ('stats', 'neighbors')").fetchall()
    assert ("stats", "ok", 3) in logged and ("neighbors", "ok", 2) in logged
    # a and b co-occur for three users; c co-occurs with nothing.
    pairs = conn.execute("SELECT a.external_id, b.external_id, round(n.score::numeric, 3) FROM pgrec.item_neighbors n "
                         "JOIN pgrec.items a ON a.id = n.item_id JOIN pgrec.items b ON b.id = n.neighbor_id ORDER BY 1").fetchall()
    assert pairs == [("a", "b", 1), ("b", "a", 1)]
    stats = dict(conn.execute("SELECT i.external_id, s.engagement FROM pgrec.item_stats s JOIN pgrec.items i ON i.id = s.item_id").fetchall())
    assert stats == {"a": 12, "b": 12, "c": 1}


def test_a_single_step_and_unknown_steps(conn) -> None:
    assert refresh(conn, "stats") == {"stats": "ok"}
    error = sqlstate_of(conn, lambda: conn.execute("SELECT * FROM rec.refresh('everything')").fetchall())
    assert error.diag.sqlstate == "22023"
    error = sqlstate_of(conn, lambda: conn.execute("SELECT * FROM rec.refresh(NULL)").fetchall())
    assert error.diag.sqlstate == "22004"


def test_a_busy_step_is_skipped_not_waited_for(fresh_db: str) -> None:
    with psycopg.connect(fresh_db) as holder, psycopg.connect(fresh_db, autocommit=True) as other:
        holder.execute("SELECT * FROM rec.refresh('stats')").fetchall()  # lock held until commit
        outcome = other.execute("SELECT step, outcome FROM rec.refresh('stats')").fetchall()
        assert outcome == [("stats", "skipped")]
        holder.commit()
        assert other.execute("SELECT outcome FROM rec.refresh('stats')").fetchone()[0] == "ok"
