"""The scheduler's jobs in-process: due checks, locks, failures, retries, recording."""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Callable, Iterator

import pytest

from app.db import connect
from app.settings import get_settings
from scheduler.jobs import DEFAULT_SCHEDULE, JobSpec, parse_schedule
from scheduler.runner import Runner
from tests.support import call


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll ``condition`` until it holds (the test fails on timeout; nothing assumes a duration)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        pause.wait(0.05)


def settings(**overrides):
    base = dict(embedding_provider="offline", scheduler_retry_base=0.1, scheduler_shutdown_grace=5.0,
                scheduler_event_check=300.0, embedding_batch_size=50)
    return dataclasses.replace(get_settings(), **(base | overrides))


def runs(url: str, step: str, outcome: str | None = None) -> list[tuple]:
    with connect(url) as conn:
        return conn.execute(
            "SELECT outcome, rows, detail, started_at FROM pgrec.refresh_runs WHERE step = %s AND outcome = coalesce(%s, outcome) "
            "ORDER BY id", (step, outcome)).fetchall()


def add_step(url: str, step: str, body: str) -> None:
    """A refresh step for tests: rec._refresh_<step>() runs ``body`` (plpgsql) and returns 1."""
    with connect(url) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS public.step_calls (step text, at timestamptz DEFAULT clock_timestamp())")
        conn.execute("INSERT INTO pgrec.refresh_steps (step, position, description) "
                     "VALUES (%s, 9000 + (SELECT count(*) FROM pgrec.refresh_steps), 'test') ON CONFLICT DO NOTHING", (step,))
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


@pytest.fixture
def runners() -> Iterator[list[Runner]]:
    started: list[Runner] = []
    yield started
    for runner in started:
        runner.shutdown()


def test_schedule_defaults_overrides_and_errors() -> None:
    jobs = {j.name: j for j in parse_schedule("")}
    assert set(jobs) == set(DEFAULT_SCHEDULE)
    assert jobs["embed"].every == 60 and jobs["neighbors"].min_events == 5000
    jobs = {j.name: j for j in parse_schedule("stats=0, trending=30, custom=10/50, neighbors=600")}
    assert "stats" not in jobs and jobs["trending"].every == 30
    assert jobs["custom"] == JobSpec("custom", 10, 50)
    assert jobs["neighbors"] == JobSpec("neighbors", 600, 5000)  # keeps its default event trigger
    assert jobs["neighbors"].tick(300) == 300 and jobs["trending"].tick(5) == 30
    with pytest.raises(ValueError):
        parse_schedule("stats=hourly")


def test_a_failing_job_is_retried_with_backoff_and_does_not_block_others(fresh_db: str, runners: list[Runner]) -> None:
    add_step(fresh_db, "boom", "RAISE EXCEPTION 'kaboom' USING ERRCODE = '22012';")
    add_step(fresh_db, "fine", "")
    runner = Runner(fresh_db, settings(), [JobSpec("boom", 3600), JobSpec("fine", 3600)])
    runners.append(runner)
    runner.start()
    wait_until(lambda: len(runs(fresh_db, "boom", "error")) >= 3 and runs(fresh_db, "fine", "ok"))
    errors = runs(fresh_db, "boom", "error")
    assert "22012" in errors[0][2]  # recorded once per failure, by rec.refresh, with its SQLSTATE
    gaps = [(b[3] - a[3]).total_seconds() for a, b in zip(errors, errors[1:])]
    assert gaps[0] >= 0.1 and gaps[1] >= 0.2  # doubling back-off: 0.1 s, 0.2 s, ...
    assert len(runs(fresh_db, "fine")) == 1 and calls(fresh_db, "fine") == 1

    # Once the cause is fixed, the next retry succeeds and the back-off resets.
    add_step(fresh_db, "boom", "")
    wait_until(lambda: bool(runs(fresh_db, "boom", "ok")))
    wait_until(lambda: "boom" not in runner._failures)


def test_downtime_runs_an_overdue_job_once(fresh_db: str, runners: list[Runner]) -> None:
    add_step(fresh_db, "hourly", "")
    with connect(fresh_db) as conn:  # the last run was ten periods ago: the scheduler was down
        conn.execute("SELECT rec.log_job_run('hourly', now() - interval '10 hours', 'ok')")
    runner = Runner(fresh_db, settings(), [JobSpec("hourly", 3600)])
    runners.append(runner)
    runner.start()
    wait_until(lambda: len(runs(fresh_db, "hourly", "ok")) == 2)
    job = runner.scheduler.get_job("hourly")
    assert job.coalesce and job.misfire_grace_time == 3600
    # Another wake-up soon after (a coalesced misfire, a second replica): not due again.
    assert runner.run("hourly") == "not_due"
    assert calls(fresh_db, "hourly") == 1


def test_replicas_share_one_cadence_and_one_lock(fresh_db: str) -> None:
    add_step(fresh_db, "shared", "")
    a = Runner(fresh_db, settings(), [JobSpec("shared", 600)])
    b = Runner(fresh_db, settings(), [JobSpec("shared", 600)])
    assert a.run("shared") == "ok"
    assert b.run("shared") == "not_due"  # A's run counts for B too
    with connect(fresh_db) as holder:
        holder.execute("SELECT pg_advisory_lock(hashtext('pgrec.scheduler'), hashtext('shared'))")
        assert b.run("shared") == "skipped"
    assert [r[0] for r in runs(fresh_db, "shared")] == ["ok", "skipped"]
    assert calls(fresh_db, "shared") == 1


def test_event_driven_job_runs_early_after_enough_events(fresh_db: str) -> None:
    runner = Runner(fresh_db, settings(), [JobSpec("neighbors", 86400, min_events=3)])
    assert runner.run("neighbors") == "ok"
    with connect(fresh_db) as conn:
        call(conn, "upsert_items", [{"id": "ev1"}])
        call(conn, "track", [{"user_id": "evu", "item_id": "ev1", "type": "view"}] * 2)
    assert runner.run("neighbors") == "not_due"
    with connect(fresh_db) as conn:
        call(conn, "track", [{"user_id": "evu", "item_id": "ev1", "type": "click"}])
    assert runner.run("neighbors") == "ok"
    assert len(runs(fresh_db, "neighbors", "ok")) == 2


def test_a_step_missing_from_the_database_idles_quietly(fresh_db: str) -> None:
    runner = Runner(fresh_db, settings(), [JobSpec("not_installed", 60)])
    assert runner.run("not_installed") == "missing"
    assert runs(fresh_db, "not_installed") == [] and "not_installed" not in runner._failures


def test_embed_job_embeds_and_records_its_run(fresh_db: str) -> None:
    with connect(fresh_db) as conn:
        call(conn, "upsert_items", [{"id": f"s{i}", "title": f"S {i}"} for i in range(120)])
    runner = Runner(fresh_db, settings(), [JobSpec("embed", 60)])
    assert runner.run("embed") == "ok"
    (outcome, rows, detail, _), = runs(fresh_db, "embed")
    assert (outcome, rows) == ("ok", 120) and "offline" in detail
    assert runner.run("embed") == "ok"
    assert len(runs(fresh_db, "embed")) == 1  # an idle run is not worth a row


def test_embed_job_failure_is_recorded_and_retried(fresh_db: str, runners: list[Runner]) -> None:
    with connect(fresh_db) as conn:
        call(conn, "upsert_items", [{"id": "x1", "title": "X"}])
    # An OpenAI-compatible server that is not there: the provider gives up, the job fails.
    runner = Runner(fresh_db, settings(embedding_provider="openai", openai_base_url="http://127.0.0.1:9/v1",
                                       embedding_max_retries=0, embedding_timeout=2.0), [JobSpec("embed", 3600)])
    runners.append(runner)
    runner.start()
    wait_until(lambda: bool(runs(fresh_db, "embed", "error")))
    assert "cannot reach" in runs(fresh_db, "embed", "error")[0][2]
    with connect(fresh_db) as conn:
        # The item backs off in the queue; the job's retry finds nothing ready and does not
        # hammer the provider (the next regular run picks the item up after its back-off).
        attempts, error = conn.execute("SELECT attempts, last_error FROM pgrec.embedding_queue").fetchone()
    assert attempts == 1 and "cannot reach" in error
    wait_until(lambda: "embed" not in runner._failures)
    assert len(runs(fresh_db, "embed", "error")) == 1


def test_a_large_embedding_batch_makes_user_vectors_due(fresh_db: str) -> None:
    add_step(fresh_db, "user_vectors", "")  # a stand-in where issue 3's step is not installed
    with connect(fresh_db) as conn:
        conn.execute("SELECT rec.log_job_run('user_vectors', now(), 'ok')")
        call(conn, "upsert_items", [{"id": f"u{i}", "title": f"U {i}"} for i in range(30)])
    runner = Runner(fresh_db, settings(), [JobSpec("embed", 60), JobSpec("user_vectors", 86400, min_events=50)])
    assert runner.run("user_vectors") == "not_due"
    assert runner.run("embed") == "ok"  # 30 vectors: below the threshold
    assert runner.run("user_vectors") == "not_due"
    with connect(fresh_db) as conn:
        call(conn, "upsert_items", [{"id": f"w{i}", "title": f"W {i}"} for i in range(50)])
    assert runner.run("embed") == "ok"
    assert runner.run("user_vectors") == "ok"
    assert runner.run("user_vectors") == "not_due"
