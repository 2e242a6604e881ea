"""rec.refresh: steps in order, the run log, what each step computes, concurrency, grants."""

from __future__ import annotations

import json

import psycopg
import pytest

from app.db import connect

from tests.helpers import NOW, ago, at, call, likes, query, refresh, sqlstate_of, track, upsert_items


def test_all_runs_every_sql_step_in_order_and_logs_each_run(conn) -> None:
    at(conn)
    conn.execute("SET LOCAL application_name = 'nightly-cron'")
    upsert_items(conn, [{"id": "a", "created_at": ago(days=1)}])
    track(conn, likes("a", ["u1", "u2"], ago(hours=1)))
    result = query(conn, "SELECT step, outcome, rows FROM rec.refresh('all')")
    steps = [r[0] for r in result]
    assert steps.index("stats") < steps.index("trending") < steps.index("itemknn") < steps.index("transitions")
    assert ("trending", "ok", 1) in result
    # Steps that need the application (embeddings, model fits) are left to `pgrec refresh`;
    # tune is not part of 'all' (it is weekly, or called by name).
    outcomes = dict((s, o) for s, o, _ in result)
    assert {s for s, o in outcomes.items() if o == "skipped"} == {"embeddings", "ease", "als"}
    assert "tune" not in outcomes
    assert all(o == "ok" for s, o, _ in result if s not in ("embeddings", "ease", "als"))
    status = {r[0]: r for r in query(conn, "SELECT step, last_outcome, last_rows, last_ok_at FROM rec.refresh_status()")}
    assert status["trending"][1:3] == ("ok", 1) and status["trending"][3] is not None
    logged = query(conn, "SELECT outcome, rows, finished_at >= started_at, caller FROM pgrec.refresh_runs "
                        "WHERE step = 'trending'")
    assert logged == [("ok", 1, True, "nightly-cron")]


def test_stats_and_itemknn_compute_engagement_and_cooccurrence(conn) -> None:
    call(conn, "upsert_items", [{"id": "a"}, {"id": "b"}, {"id": "c"}])
    call(conn, "track", [{"user_id": f"u{k}", "item_id": i, "type": "like"} for k in range(3) for i in ("a", "b")]
         + [{"user_id": "u9", "item_id": "c", "type": "view"}])
    assert refresh(conn, "stats") == {"stats": "ok"} and refresh(conn, "itemknn") == {"itemknn": "ok"}
    # a and b co-occur for three users; c co-occurs with nothing. The walk a -> user -> b has
    # probability 1 (each user has only a and b), discounted by b's degree 3 ^ beta.
    beta = query(conn, "SELECT (parameters ->> 'beta')::float8 FROM rec.models() WHERE name = 'itemknn'")[0][0]
    pairs = query(conn, "SELECT a.external_id, b.external_id, n.score FROM pgrec.item_neighbors n "
                        "JOIN pgrec.items a ON a.id = n.item_id JOIN pgrec.items b ON b.id = n.neighbor_id ORDER BY 1")
    assert [(a, b) for a, b, _ in pairs] == [("a", "b"), ("b", "a")]
    assert all(score == pytest.approx(0.5 / 3 ** beta, rel=1e-5) for *_, score in pairs)
    stats = dict(query(conn, "SELECT i.external_id, s.engagement FROM pgrec.item_stats s JOIN pgrec.items i ON i.id = s.item_id"))
    assert stats == {"a": 12, "b": 12, "c": 1}


def test_each_step_can_be_run_by_name_and_unknown_steps_are_rejected(conn) -> None:
    for step in ("stats", "trending", "transitions"):
        assert refresh(conn, step) == {step: "ok"}
    error = sqlstate_of(conn, lambda: conn.execute("SELECT * FROM rec.refresh('trend')").fetchall())
    assert error.diag.sqlstate == "22023" and "trending" in error.diag.message_hint
    error = sqlstate_of(conn, lambda: conn.execute("SELECT * FROM rec.refresh(NULL)").fetchall())
    assert error.diag.sqlstate == "22004"


def test_a_disabled_step_is_left_out_of_all_but_runs_by_name(conn) -> None:
    conn.execute("UPDATE pgrec.refresh_steps SET enabled = false WHERE step = 'transitions'")
    assert "transitions" not in refresh(conn)
    assert refresh(conn, "transitions") == {"transitions": "ok"}


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
        assert refresh(admin) and query(admin, "SELECT count(*) FROM pgrec.trending") == [(1,)]
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
        outcomes = query(admin, "SELECT outcome, detail FROM pgrec.refresh_runs WHERE step = 'trending' ORDER BY started_at")
        # set-up, holder, the skipped caller, the same caller once the holder committed
        assert [o for o, _ in outcomes] == ["ok", "ok", "skipped", "ok"]
        assert outcomes[2][1] == "another session is running this step"


def test_a_step_held_by_another_session_through_lock_step_is_skipped(fresh_db: str) -> None:
    with connect(fresh_db) as holder, connect(fresh_db) as other:
        assert holder.execute("SELECT rec.lock_step('stats')").fetchone()[0]
        assert not other.execute("SELECT rec.lock_step('stats')").fetchone()[0]
        assert other.execute("SELECT outcome FROM rec.refresh('stats')").fetchone()[0] == "skipped"
        assert holder.execute("SELECT rec.unlock_step('stats')").fetchone()[0]
        assert other.execute("SELECT outcome FROM rec.refresh('stats')").fetchone()[0] == "ok"


def test_the_application_role_may_read_lists_but_not_operate(fresh_db: str) -> None:
    calls = ["rec.trending()", "rec.latest()", "rec.similar_items('i1')", "rec.nearby(0, 0)", "rec.search('x')",
             "rec.next_items('u')", "rec.learning_path('u', ARRAY['i1'])", "rec.session_feed(ARRAY['i1'])",
             "rec.user_stats('u')"]
    with connect(fresh_db) as conn:
        conn.execute("SELECT rec.upsert_items('[{\"id\": \"i1\"}]')")
        conn.execute("CREATE ROLE pgrec_test_feeds_client LOGIN IN ROLE pgrec_app")
        try:
            conn.execute("SET ROLE pgrec_test_feeds_client")
            for call_ in calls:
                conn.execute(f"SELECT * FROM {call_}").fetchall()
            for operation in ("SELECT * FROM rec.refresh_status()", "SELECT * FROM rec.due_steps()",
                              "SELECT * FROM rec.refresh()", "SELECT * FROM pgrec.trending"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(operation)
            conn.execute("RESET ROLE")
            conn.execute("GRANT pgrec_admin TO pgrec_test_feeds_client")
            conn.execute("SET ROLE pgrec_test_feeds_client")
            assert conn.execute("SELECT count(*) FROM rec.refresh_status()").fetchone()[0] >= 4
        finally:
            conn.execute("RESET ROLE")
            conn.execute("DROP OWNED BY pgrec_test_feeds_client")
            conn.execute("DROP ROLE pgrec_test_feeds_client")
