"""The schedule as data (rec.due_steps) and the scheduler in-process: due steps, back-off after
failures, replicas, Python steps (embeddings), dependencies."""

from __future__ import annotations

import dataclasses
from typing import Iterator

import pytest

from app.db import connect
from app.settings import get_settings
from scheduler.runner import Scheduler

from tests.helpers import call, wait_until


def settings(**overrides):
    base = dict(embedding_provider="offline", scheduler_retry_base=0.1, scheduler_shutdown_grace=5.0,
                scheduler_tick=0.05, embedding_batch_size=50)
    return dataclasses.replace(get_settings(), **(base | overrides))


def runs(url: str, step: str, outcome: str | None = None) -> list[tuple]:
    with connect(url) as conn:
        return conn.execute(
            "SELECT outcome, rows, detail, started_at FROM pgrec.refresh_runs WHERE step = %s AND outcome = coalesce(%s, outcome) "
            "ORDER BY id", (step, outcome)).fetchall()


def only(url: str, *steps: str) -> None:
    """Disable every other step, so a test watches the ones it is about."""
    with connect(url) as conn:
        conn.execute("UPDATE pgrec.refresh_steps SET enabled = step = ANY (%s)", (list(steps),))


def add_step(url: str, step: str, body: str, every: str = "1 hour") -> None:
    """A SQL refresh step for tests: rec._refresh_<step>() runs ``body`` (plpgsql) and returns 1."""
    with connect(url) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS public.step_calls (step text, at timestamptz DEFAULT clock_timestamp())")
        # rec.refresh runs steps as pgrec_owner, which may write only what it is granted.
        conn.execute("GRANT INSERT ON public.step_calls TO pgrec_owner")
        conn.execute("INSERT INTO pgrec.refresh_steps (step, position, description, every) "
                     "VALUES (%s, 9000 + (SELECT count(*) FROM pgrec.refresh_steps), 'test', %s) "
                     "ON CONFLICT (step) DO UPDATE SET every = excluded.every", (step, every))
        conn.execute(f"""
            CREATE OR REPLACE FUNCTION rec._refresh_{step}() RETURNS bigint LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO public.step_calls (step) VALUES ('{step}');
                {body}
                RETURN 1;
            END $$""")


def calls(url: str, step: str) -> int:
    with connect(url) as conn:
        return conn.execute("SELECT count(*) FROM public.step_calls WHERE step = %s", (step,)).fetchone()[0]


def due(url: str, retry_base: str = "0.1 seconds") -> dict[str, str]:
    with connect(url) as conn:
        return {step: reason for step, _, reason in conn.execute("SELECT * FROM rec.due_steps(%s)", (retry_base,))}


@pytest.fixture
def schedulers() -> Iterator[list[Scheduler]]:
    started: list[Scheduler] = []
    yield started
    for scheduler in started:
        scheduler.shutdown()


def test_the_schedule_is_rows_and_due_steps_reads_it(fresh_db: str) -> None:
    only(fresh_db, "stats", "trending")
    assert due(fresh_db) == {"stats": "never ran", "trending": "never ran"}
    with connect(fresh_db) as conn:
        conn.execute("SELECT * FROM rec.refresh('stats')")
        conn.execute("SELECT rec.log_job_run('trending', now() - interval '10 minutes', 'ok')")
    assert due(fresh_db) == {"trending": "every 00:05:00"}  # stats ran just now, every hour
    with connect(fresh_db) as conn:  # a DBA changes the cadence with SQL
        conn.execute("UPDATE pgrec.refresh_steps SET every = '20 minutes' WHERE step = 'trending'")
    assert due(fresh_db) == {}


def test_new_events_make_a_step_due_early(fresh_db: str) -> None:
    only(fresh_db, "itemknn")
    with connect(fresh_db) as conn:
        conn.execute("UPDATE pgrec.refresh_steps SET min_new_events = 3 WHERE step = 'itemknn'")
        conn.execute("SELECT * FROM rec.refresh('itemknn')")
        call(conn, "upsert_items", [{"id": "ev1"}])
        call(conn, "track", [{"user_id": "evu", "item_id": "ev1", "type": "view"}] * 2)
    assert due(fresh_db) == {}
    with connect(fresh_db) as conn:
        call(conn, "track", [{"user_id": "evu", "item_id": "ev1", "type": "click"}])
    assert due(fresh_db) == {"itemknn": "3 new events"}


def test_a_dependency_that_wrote_enough_rows_makes_a_step_due(fresh_db: str) -> None:
    only(fresh_db, "embeddings", "user_vectors")
    with connect(fresh_db) as conn:
        conn.execute("UPDATE pgrec.refresh_steps SET min_new_events = 50 WHERE step = 'user_vectors'")
        conn.execute("SELECT * FROM rec.refresh('user_vectors')")
        conn.execute("SELECT rec.log_job_run('embeddings', now(), 'ok', 30)")
    assert "user_vectors" not in due(fresh_db)
    with connect(fresh_db) as conn:
        conn.execute("SELECT rec.log_job_run('embeddings', now(), 'ok', 20)")
    assert due(fresh_db)["user_vectors"] == "after embeddings"


def test_a_failing_step_backs_off_and_does_not_block_others(fresh_db: str, schedulers: list[Scheduler]) -> None:
    add_step(fresh_db, "boom", "RAISE EXCEPTION 'kaboom' USING ERRCODE = '22012';")
    add_step(fresh_db, "fine", "")
    only(fresh_db, "boom", "fine")
    scheduler = Scheduler(fresh_db, settings())
    schedulers.append(scheduler)
    scheduler.start()
    wait_until(lambda: len(runs(fresh_db, "boom", "error")) >= 3 and bool(runs(fresh_db, "fine", "ok")))
    errors = runs(fresh_db, "boom", "error")
    assert "22012" in errors[0][2]  # recorded once per failure, by rec.refresh, with its SQLSTATE
    gaps = [(b[3] - a[3]).total_seconds() for a, b in zip(errors, errors[1:])]
    assert gaps[0] >= 0.1 and gaps[1] >= 0.2  # doubling back-off: 0.1 s, 0.2 s, ...
    assert len(runs(fresh_db, "fine")) == 1 and calls(fresh_db, "fine") == 1

    # Once the cause is fixed, the next retry succeeds and the step is not due again.
    add_step(fresh_db, "boom", "")
    wait_until(lambda: bool(runs(fresh_db, "boom", "ok")))
    assert "boom" not in due(fresh_db)


def test_downtime_runs_an_overdue_step_once(fresh_db: str, schedulers: list[Scheduler]) -> None:
    add_step(fresh_db, "hourly", "")
    only(fresh_db, "hourly")
    with connect(fresh_db) as conn:  # the last run was ten periods ago: the scheduler was down
        conn.execute("SELECT rec.log_job_run('hourly', now() - interval '10 hours', 'ok')")
    scheduler = Scheduler(fresh_db, settings())
    schedulers.append(scheduler)
    scheduler.start()
    wait_until(lambda: len(runs(fresh_db, "hourly", "ok")) == 2)
    assert scheduler.scheduler.get_job("tick").coalesce
    # Ticks keep coming, the step is not due again.
    assert scheduler.run_due_once() == {} and calls(fresh_db, "hourly") == 1


def test_replicas_share_one_cadence_and_one_lock(fresh_db: str) -> None:
    add_step(fresh_db, "shared", "", every="10 minutes")
    only(fresh_db, "shared")
    a, b = Scheduler(fresh_db, settings()), Scheduler(fresh_db, settings())
    assert a.run_due_once() == {"shared": "ok"}
    assert b.run_due_once() == {}  # A's run counts for B too
    with connect(fresh_db) as conn:
        conn.execute("UPDATE pgrec.refresh_steps SET every = '1 second'")
    wait_until(lambda: "shared" in due(fresh_db))
    with connect(fresh_db) as holder:  # someone is running it: not due, nobody piles up behind
        holder.execute("SELECT rec.lock_step('shared')")
        assert "shared" not in due(fresh_db)
        # A scheduler that asked just before the lock was taken is turned away by rec.refresh.
        assert b.run("shared", "sql").outcome == "skipped"
    assert [r[0] for r in runs(fresh_db, "shared")] == ["ok", "skipped"]
    assert calls(fresh_db, "shared") == 1


def test_a_replica_that_asked_before_another_run_committed_does_not_run_it_again(fresh_db: str) -> None:
    add_step(fresh_db, "shared", "", every="10 minutes")
    only(fresh_db, "shared")
    a, b = Scheduler(fresh_db, settings()), Scheduler(fresh_db, settings())
    assert [step for step, *_ in b.due()] == ["shared"]  # B's tick: due
    assert a.run_due_once() == {"shared": "ok"}  # meanwhile A runs it, commits and unlocks
    assert b.run("shared", "sql") is None  # B's worker asks again under the lock and leaves it
    assert [r[0] for r in runs(fresh_db, "shared")] == ["ok"] and calls(fresh_db, "shared") == 1
    # Holding the lock itself does not hide the step from its holder: it still runs when due.
    with connect(fresh_db) as conn:
        conn.execute("UPDATE pgrec.refresh_steps SET every = '1 second'")
    wait_until(lambda: "shared" in due(fresh_db))
    assert b.run("shared", "sql").outcome == "ok" and calls(fresh_db, "shared") == 2


def test_the_embeddings_step_embeds_and_records_its_run(fresh_db: str) -> None:
    only(fresh_db, "embeddings")
    with connect(fresh_db) as conn:
        call(conn, "upsert_items", [{"id": f"s{i}", "title": f"S {i}"} for i in range(120)])
    scheduler = Scheduler(fresh_db, settings())
    assert scheduler.run_due_once() == {"embeddings": "ok"}
    (outcome, rows, detail, _), = runs(fresh_db, "embeddings")
    assert (outcome, rows) == ("ok", 120) and "offline" in detail
    with connect(fresh_db) as conn:
        assert conn.execute("SELECT rec.embed_status() ->> 'pending'").fetchone()[0] == "0"
    assert scheduler.run_due_once() == {}  # every minute, not every tick


def test_a_failing_embeddings_provider_is_recorded_and_backs_off(fresh_db: str, schedulers: list[Scheduler]) -> None:
    only(fresh_db, "embeddings")
    with connect(fresh_db) as conn:
        call(conn, "upsert_items", [{"id": "x1", "title": "X"}])
    # An OpenAI-compatible server that is not there: the provider gives up, the step fails.
    scheduler = Scheduler(fresh_db, settings(embedding_provider="openai", openai_base_url="http://127.0.0.1:9/v1",
                                             embedding_max_retries=0, embedding_timeout=2.0,
                                             scheduler_retry_base=3600))
    schedulers.append(scheduler)
    scheduler.start()
    wait_until(lambda: bool(runs(fresh_db, "embeddings", "error")))
    assert "cannot reach" in runs(fresh_db, "embeddings", "error")[0][2]
    with connect(fresh_db) as conn:
        # The item backs off in the queue, and the step backs off in the schedule.
        attempts, error = conn.execute("SELECT attempts, last_error FROM pgrec.embedding_queue").fetchone()
    assert attempts == 1 and "cannot reach" in error
    assert "embeddings" not in due(fresh_db, retry_base="1 hour")


def test_a_python_step_this_build_does_not_know_is_an_error(fresh_db: str) -> None:
    with connect(fresh_db) as conn:
        conn.execute("INSERT INTO pgrec.refresh_steps (step, position, description, runner, every) "
                     "VALUES ('martian', 9999, 'test', 'python', '1 hour')")
    only(fresh_db, "martian")
    assert Scheduler(fresh_db, settings()).run_due_once() == {"martian": "error"}
    assert "no Python step" in runs(fresh_db, "martian", "error")[0][2]
