"""Run the jobs with APScheduler, safely beside other replicas and the API.

Per run, a job:

1. opens a dedicated connection and takes a session advisory lock for the job
   (``pg_try_advisory_lock``); if another scheduler process holds it, the run is recorded as
   ``skipped`` and nothing else happens — two replicas never run a job at once, and a
   process that dies releases its locks with its connection;
2. asks the database whether the job is due (``rec.job_freshness``): the last successful run
   of the step, by anyone, is older than its cadence, or enough new events arrived. Because
   the answer comes from ``pgrec.refresh_runs`` and not from process memory, a restart after
   downtime runs an overdue job once (not once per missed period), and replicas share one
   cadence instead of each refreshing on its own clock;
3. does its work in SQL (``rec.refresh``) or through the embed worker;
4. on failure logs the error, records it in ``pgrec.refresh_runs`` (``rec.refresh`` records
   its own steps), and schedules a retry with exponential back-off; other jobs are unaffected.

APScheduler adds ``coalesce=True`` (a backlog of missed wake-ups runs once), a misfire grace of
one period, and one instance per job. On SIGTERM no new runs start; running jobs get
``PGREC_SCHEDULER_SHUTDOWN_GRACE`` seconds, then their statement is cancelled so their
transaction rolls back: a refresh is all or nothing, and the embed job loses at most the batch
in flight (it stays queued).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import datetime, timedelta, timezone

import psycopg
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from app.db import configure
from app.settings import Settings, get_settings
from scheduler.jobs import JobSpec, parse_schedule

__all__ = ["JobFailed", "Runner"]

log = logging.getLogger("pgrec.scheduler")

# Tolerance on "due": APScheduler wakes a job one period after the previous wake-up, which is
# a little less than one period after the previous run *started*.
DUE_SLACK = 0.9

# Jobs whose derived data is built from item embeddings. After the embed job stored at least
# as many vectors as such a job's event threshold (e.g. the first backfill after `make run`),
# it is run right away instead of waiting up to a day with vectors computed from nothing.
EMBEDDING_DEPENDENTS = ("user_vectors",)


class JobFailed(RuntimeError):
    """A job ran and failed; ``recorded`` tells whether refresh_runs already has the error."""

    def __init__(self, message: str, recorded: bool) -> None:
        super().__init__(message)
        self.recorded = recorded


class Runner:
    """The jobs of one scheduler process."""

    def __init__(self, url: str, settings: Settings | None = None, jobs: list[JobSpec] | None = None) -> None:
        self.url = url
        self.settings = settings or get_settings()
        self.jobs = {job.name: job for job in (jobs if jobs is not None else parse_schedule(self.settings.schedule))}
        self.stopping = threading.Event()
        self.application_name = f"pgrec-scheduler {socket.gethostname()}:{os.getpid()}"
        self._active: dict[str, psycopg.Connection] = {}
        self._active_changed = threading.Condition()
        self._failures: dict[str, int] = {}
        self._missing_steps: set[str] = set()
        self._providers: dict[int, object] = {}
        self._forced: set[str] = set()
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=max(2, len(self.jobs) + 1))},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=timezone.utc,
        )

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Schedule every job (first run right away, staggered) and start the scheduler thread."""
        now = datetime.now(timezone.utc)
        for index, job in enumerate(self.jobs.values()):
            tick = job.tick(self.settings.scheduler_event_check)
            self.scheduler.add_job(
                self.run, "interval", seconds=tick, args=[job.name], id=job.name, name=str(job),
                # First wake-up at start; whether it does anything is the due check's call.
                next_run_time=now + timedelta(seconds=0.2 * index),
                misfire_grace_time=max(1, int(tick)),
            )
            log.info("scheduled %s", job)
        self.scheduler.start()

    def shutdown(self) -> None:
        """Stop starting runs; let running ones finish within the grace period, then cancel them."""
        self.stopping.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        grace = self.settings.scheduler_shutdown_grace
        if not self._wait_idle(grace):
            with self._active_changed:
                running = dict(self._active)
            log.warning("cancelling %s after %.1f s grace: their transactions roll back", ", ".join(running), grace)
            for conn in running.values():
                try:
                    conn.cancel_safe()
                except psycopg.Error as exc:  # the connection may already be gone
                    log.debug("cancel failed: %s", exc)
            self._wait_idle(30)
        log.info("scheduler stopped")

    def _wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._active_changed:
            while self._active:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._active_changed.wait(left)
        return True

    # --- one run ----------------------------------------------------------------------------

    def run(self, name: str) -> str:
        """Run job ``name`` once if it is due and not running elsewhere. Returns what happened:
        ``ok``, ``skipped`` (locked by another process), ``not_due``, ``missing`` (no such
        refresh step in this database), ``error`` or ``stopping``."""
        job = self.jobs[name]
        if self.stopping.is_set():
            return "stopping"
        started = datetime.now(timezone.utc)
        try:
            conn = psycopg.connect(self.url, autocommit=True, application_name=self.application_name)
        except psycopg.Error as exc:
            log.error("job %s: cannot connect: %s", name, exc)
            self._schedule_retry(job)
            return "error"
        configure(conn)
        with self._active_changed:
            self._active[name] = conn
        try:
            return self._run_locked(job, conn, started)
        finally:
            with self._active_changed:
                self._active.pop(name, None)
                self._active_changed.notify_all()
            conn.close()  # also releases the session advisory lock

    def _run_locked(self, job: JobSpec, conn: psycopg.Connection, started: datetime) -> str:
        locked = conn.execute("SELECT pg_try_advisory_lock(hashtext('pgrec.scheduler'), hashtext(%s))",
                              (job.name,)).fetchone()[0]
        if not locked:
            log.info("job %s: skipped, another scheduler is running it", job.name)
            self._record(conn, job.name, started, "skipped", None, "another scheduler run holds this job's lock")
            return "skipped"
        try:
            if not job.is_embed and not self._due(job, conn):
                return "not_due"
            rows = self._embed(conn) if job.is_embed else self._refresh(job, conn)
        except _StepMissing:
            return "missing"
        except Exception as exc:  # noqa: BLE001 — any failure: log, record, retry; never kill the scheduler
            return self._failed(job, conn, started, exc)
        finally:
            try:
                conn.execute("SELECT pg_advisory_unlock(hashtext('pgrec.scheduler'), hashtext(%s))", (job.name,))
            except psycopg.Error:
                pass  # closing the connection releases it anyway
        if rows is not None:
            seconds = (datetime.now(timezone.utc) - started).total_seconds()
            log.info("job %s: ok, %s rows in %.2f s", job.name, rows, seconds)
        if self._failures.pop(job.name, None):
            log.info("job %s: recovered", job.name)
        return "ok"

    def _due(self, job: JobSpec, conn: psycopg.Connection) -> bool:
        if job.name in self._forced:
            self._forced.discard(job.name)
            return True
        seconds_since, new_events = conn.execute(
            "SELECT seconds_since_ok, new_events FROM rec.job_freshness(%s, %s)",
            (job.name, job.min_events or 0),
        ).fetchone()
        if seconds_since is None or seconds_since >= job.every * DUE_SLACK:
            return True
        if job.min_events and new_events >= job.min_events:
            log.info("job %s: %d new events since the last run, running early", job.name, new_events)
            return True
        return False

    def _refresh(self, job: JobSpec, conn: psycopg.Connection) -> int | None:
        try:
            rows = conn.execute("SELECT step, outcome, rows, seconds FROM rec.refresh(%s)", (job.name,)).fetchall()
        except psycopg.errors.InvalidParameterValue:
            # The step is not installed here (yet): e.g. user_vectors before the feed issue's
            # migration. Say so once, stay idle, start working once it appears.
            if job.name not in self._missing_steps:
                log.warning("job %s: no refresh step %r in this database; idle until it exists", job.name, job.name)
                self._missing_steps.add(job.name)
            raise _StepMissing() from None
        self._missing_steps.discard(job.name)
        errors = [f"{step}: {outcome}" for step, outcome, *_ in rows if outcome == "error"]
        if errors:
            # rec.refresh already recorded the step's error (with its SQLSTATE) in refresh_runs.
            raise JobFailed(f"rec.refresh({job.name!r}) reported an error (see pgrec.refresh_runs)", recorded=True)
        if any(outcome == "skipped" for _, outcome, *_ in rows):
            log.info("job %s: rec.refresh skipped it, another session (a DBA?) is refreshing it", job.name)
            return None
        return sum(r[2] or 0 for r in rows)

    def _embed(self, conn: psycopg.Connection) -> int | None:
        from app.embeddings import get_provider
        from app.embeddings.worker import database_dim, embed_pending

        started = datetime.now(timezone.utc)
        dim = database_dim(conn)
        provider = self._providers.get(dim)
        if provider is None:
            provider = self._providers[dim] = get_provider(self.settings, dim=dim)
        result = embed_pending(conn, provider, batch_size=self.settings.embedding_batch_size,
                               should_stop=self.stopping.is_set)
        if result.claimed == 0:
            return None  # nothing to do: not worth a row in refresh_runs every minute
        self._record(conn, "embed", started, "ok", result.embedded,
                     f"{result.claimed} items claimed in {result.batches} batches with {provider.name}")
        for name in EMBEDDING_DEPENDENTS:
            dependent = self.jobs.get(name)
            if dependent is not None and result.embedded >= (dependent.min_events or 1000):
                log.info("job %s: %d new embeddings, running it now", name, result.embedded)
                self._forced.add(name)
                if self.scheduler.running:
                    self.scheduler.modify_job(name, next_run_time=datetime.now(timezone.utc))
        return result.embedded

    def _failed(self, job: JobSpec, conn: psycopg.Connection, started: datetime, exc: Exception) -> str:
        cancelled = isinstance(exc, psycopg.errors.QueryCanceled) and self.stopping.is_set()
        if cancelled:
            detail = "cancelled by scheduler shutdown; its transaction rolled back"
            log.warning("job %s: %s", job.name, detail)
        else:
            detail = f"{type(exc).__name__}: {exc}"
            # A traceback helps only for the unexpected; provider and refresh errors say it all.
            from app.embeddings import EmbeddingError

            log.error("job %s failed: %s", job.name, detail, exc_info=not isinstance(exc, (JobFailed, EmbeddingError)))
        if not (isinstance(exc, JobFailed) and exc.recorded):
            self._record(conn, job.name, started, "error", None, detail)
        if not cancelled:
            self._schedule_retry(job)
        return "error"

    def _schedule_retry(self, job: JobSpec) -> None:
        failures = self._failures[job.name] = self._failures.get(job.name, 0) + 1
        # Doubling back-off, never later than the job's own next wake-up would be anyway.
        delay = min(self.settings.scheduler_retry_base * 2 ** (failures - 1), job.tick(self.settings.scheduler_event_check))
        if self.stopping.is_set() or not self.scheduler.running:
            return
        log.info("job %s: retry %d in %.1f s", job.name, failures, delay)
        self.scheduler.add_job(
            self.run, "date", run_date=datetime.now(timezone.utc) + timedelta(seconds=delay), args=[job.name],
            id=f"{job.name}:retry", name=f"{job.name} (retry {failures})", replace_existing=True,
            misfire_grace_time=None,
        )

    def _record(self, conn: psycopg.Connection, step: str, started: datetime, outcome: str,
                rows: int | None, detail: str | None) -> None:
        try:
            conn.execute("SELECT rec.log_job_run(%s, %s, %s, %s, %s)", (step, started, outcome, rows, detail))
        except psycopg.Error as exc:  # the database may be what failed; the log line still says it
            log.warning("job %s: could not record the run: %s", step, exc)

    def run_all_once(self) -> dict[str, str]:
        """Every job once, in order, with the same locking and due checks (``--once``)."""
        return {name: self.run(name) for name in self.jobs}


class _StepMissing(Exception):
    """The job's refresh step does not exist in this database."""
