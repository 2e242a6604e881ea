"""Refresh orchestration (issue 4): steps, run log, concurrency, readers, grants, downgrade."""

from __future__ import annotations

import json

import psycopg
import pytest

from app.db import connect
from app.schema import downgrade, migrate
from tests.support import refresh, sqlstate_of
from tests.test_feeds_support import NOW, ago, at_now, likes, rows, track, upsert_items


def test_all_runs_every_step_in_order_and_logs_each_run(conn) -> None:
    at_now(conn)
    conn.execute("SET LOCAL application_name = 'nightly-cron'")
    upsert_items(conn, [{"id": "a", "created_at": ago(days=1)}])
    track(conn, likes("a", ["u1", "u2"], ago(hours=1)))
    result = rows(conn, "SELECT step, outcome, rows FROM rec.refresh('all')")
    steps = [r[0] for r in result]
    assert steps.index("stats") < steps.index("trending") < steps.index("neighbors") < steps.index("transitions")
    assert ("trending", "ok", 1) in result and all(r[1] == "ok" for r in result)
    status = {r[0]: r for r in rows(conn, "SELECT step, last_outcome, last_rows, last_ok_at FROM rec.refresh_status()")}
    assert status["trending"][1:3] == ("ok", 1) and status["trending"][3] is not None
    logged = rows(conn, "SELECT outcome, rows, finished_at >= started_at, caller FROM pgrec.refresh_runs "
                        "WHERE step = 'trending'")
    assert logged == [("ok", 1, True, "nightly-cron")]


def test_each_step_can_be_run_by_name(conn) -> None:
    for step in ("trending", "transitions"):
        assert refresh(conn, step) == {step: "ok"}
    error = sqlstate_of(conn, lambda: conn.execute("SELECT * FROM rec.refresh('trend')").fetchall())
    assert error.diag.sqlstate == "22023"
    assert "trending" in error.diag.message_hint


def burst(conn: psycopg.Connection, item: str, users: int) -> None:
    conn.execute("SELECT rec.upsert_items(%s::jsonb)", (json.dumps([{"id": item, "created_at": ago(days=1)}]),))
    conn.execute("SELECT rec.track(%s::jsonb)",
                 (json.dumps(likes(item, [f"{item}-fan{k}" for k in range(users)], ago(hours=1))),))


@pytest.mark.parametrize("what", ["trending", "all"])
def test_a_second_caller_skips_and_readers_keep_the_old_list(fresh_db: str, what: str) -> None:
    setup = f"SET rec.as_of = '{NOW.isoformat()}'"
    with connect(fresh_db) as admin:
        admin.execute(setup)
        burst(admin, "first", 3)
        assert refresh(admin) and rows(admin, "SELECT count(*) FROM pgrec.trending") == [(1,)]
        burst(admin, "second", 9)  # committed, but not in the trending list until a refresh

    with psycopg.connect(fresh_db) as holder, connect(fresh_db) as other, connect(fresh_db) as reader:
        for c in (holder, other, reader):
            c.execute(setup)
        # If anything here waited for the holder's locks, it would fail fast instead of hanging.
        other.execute("SET lock_timeout = '5s'")
        reader.execute("SET lock_timeout = '5s'")

        held = dict((r[0], r[1]) for r in holder.execute("SELECT step, outcome FROM rec.refresh(%s)", (what,)))
        assert held["trending"] == "ok"  # the new list is computed but not committed

        skipped = dict((r[0], r[1]) for r in other.execute("SELECT step, outcome FROM rec.refresh(%s)", (what,)))
        assert skipped["trending"] == "skipped" and set(skipped.values()) == {"skipped"}

        # The reader sees the previous list, never an empty one, while the refresh is open.
        assert [r[0] for r in reader.execute("SELECT item_id FROM rec.trending()")] == ["first"]
        assert reader.execute("SELECT count(*) FROM pgrec.trending").fetchone()[0] == 1
        holder.commit()
        assert [r[0] for r in reader.execute("SELECT item_id FROM rec.trending()")] == ["second", "first"]
        assert other.execute("SELECT outcome FROM rec.refresh('trending')").fetchone()[0] == "ok"

    with connect(fresh_db) as admin:
        outcomes = rows(admin, "SELECT outcome, detail FROM pgrec.refresh_runs WHERE step = 'trending' ORDER BY started_at")
        # set-up, holder, the skipped caller, the same caller once the holder committed
        assert [o for o, _ in outcomes] == ["ok", "ok", "skipped", "ok"]
        assert outcomes[2][1] == "another session is running this step"


def test_the_application_role_may_read_feeds_but_not_operate(fresh_db: str) -> None:
    calls = ["rec.trending()", "rec.latest()", "rec.similar_items('i1')", "rec.nearby(0, 0)", "rec.search('x')",
             "rec.next_items('u')", "rec.learning_path('u', ARRAY['i1'])", "rec.session_feed(ARRAY['i1'])",
             "rec.user_stats('u')"]
    with connect(fresh_db) as conn:
        conn.execute("SELECT rec.upsert_items('[{\"id\": \"i1\"}]')")
        conn.execute("CREATE ROLE pgrec_test_feeds_client LOGIN IN ROLE pgrec_app")
        try:
            conn.execute("SET ROLE pgrec_test_feeds_client")
            for call in calls:
                conn.execute(f"SELECT * FROM {call}").fetchall()
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("SELECT * FROM rec.refresh_status()")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("SELECT * FROM pgrec.trending")
            conn.execute("RESET ROLE")
            conn.execute("GRANT pgrec_admin TO pgrec_test_feeds_client")
            conn.execute("SET ROLE pgrec_test_feeds_client")
            assert conn.execute("SELECT count(*) FROM rec.refresh_status()").fetchone()[0] >= 4
        finally:
            conn.execute("RESET ROLE")
            conn.execute("DROP OWNED BY pgrec_test_feeds_client")
            conn.execute("DROP ROLE pgrec_test_feeds_client")


def test_downgrade_removes_the_feeds_objects_and_upgrade_restores_them(fresh_db: str) -> None:
    mine = ("SELECT count(*) FROM pg_class WHERE relnamespace = 'pgrec'::regnamespace "
            "AND relname IN ('trending', 'item_transitions', 'items_live_location', 'refresh_status')")
    downgrade(fresh_db, "0001")
    with connect(fresh_db) as conn:
        assert conn.execute(mine).fetchone()[0] == 0
        assert conn.execute("SELECT to_regprocedure('pgrec.haversine_km(float8, float8, float8, float8)')").fetchone()[0] is None
        assert conn.execute("SELECT count(*) FROM pgrec.refresh_steps WHERE step IN ('trending', 'transitions')").fetchone()[0] == 0
    migrate(fresh_db)
    with connect(fresh_db) as conn:
        assert conn.execute(mine).fetchone()[0] == 4
        assert conn.execute("SELECT round(pgrec.haversine_km(48.8566, 2.3522, 51.5074, -0.1278))").fetchone()[0] == 344
