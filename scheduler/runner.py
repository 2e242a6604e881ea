"""Run the refresh steps that are due, with APScheduler, safely beside other replicas and DBAs.

The schedule is data: ``rec.due_steps()`` says which steps of ``pgrec.refresh_steps`` are due
now (cadence, new events, dependencies, back-off after failures, all from the run log), so this
process keeps no state that matters. Every ``PGREC_SCHEDULER_TICK`` seconds it asks, and runs each
due step that is not already running here on a worker thread with its own connection
(:func:`app.refresh.run_step`): SQL steps through ``rec.refresh``, Python steps (embeddings, model
fits) with the same advisory lock and the same run log. Two replicas therefore never run a step
at once (the second is recorded ``skipped``), a restart after downtime runs an overdue step once,
and a failing step backs off without blocking the others.

APScheduler runs the tick (``coalesce``: a backlog of missed ticks runs once) and the step runs.
On SIGTERM no new runs start; running steps get ``PGREC_SCHEDULER_SHUTDOWN_GRACE`` seconds, then
their statement is cancelled so their transaction rolls back: a refresh is all or nothing, and
the embeddings step loses at most the batch in flight (it stays queued).
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
from app.refresh import StepRun, run_step
from app.settings import Settings, get_settings

__all__ = ["Scheduler"]

log = logging.getLogger("pgrec.scheduler")


class Scheduler:
    """The scheduler of one process: a tick that dispatches due steps to worker threads."""

    def __init__(self, url: str, settings: Settings | None = None) -> None:
        self.url = url
        self.settings = settings or get_settings()
        self.stopping = threading.Event()
        self.application_name = f"pgrec-scheduler {socket.gethostname()}:{os.getpid()}"
        self._running: dict[str, psycopg.Connection | None] = {}
        self._changed = threading.Condition()
        self._control: psycopg.Connection | None = None
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=self.settings.scheduler_workers + 1)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=timezone.utc,
        )

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Tick now and then every PGREC_SCHEDULER_TICK seconds."""
        tick = self.settings.scheduler_tick
        self.scheduler.add_job(self.tick, "interval", seconds=tick, id="tick", name="due steps",
                               next_run_time=datetime.now(timezone.utc), misfire_grace_time=max(1, int(tick)))
        self.scheduler.start()
        log.info("scheduler running: checking rec.due_steps() every %g s", tick)

    def shutdown(self) -> None:
        """Stop starting runs; let running ones finish within the grace period, then cancel them."""
        self.stopping.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        grace = self.settings.scheduler_shutdown_grace
        if not self._wait_idle(grace):
            with self._changed:
                running = {s: c for s, c in self._running.items() if c is not None}
            log.warning("cancelling %s after %.1f s grace: their transactions roll back", ", ".join(running), grace)
            for conn in running.values():
                try:
                    conn.cancel_safe()
                except psycopg.Error as exc:  # the connection may already be gone
                    log.debug("cancel failed: %s", exc)
            self._wait_idle(30)
        if self._control is not None:
            self._control.close()
        log.info("scheduler stopped")

    def _wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._running:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    # --- what is due ------------------------------------------------------------------------

    def due(self) -> list[tuple[str, str, str]]:
        """(step, runner, reason) of the steps due now that this process is not running."""
        if self._control is None or self._control.closed:
            self._control = self._connect()
        try:
            rows = self._control.execute("SELECT step, runner, reason FROM rec.due_steps(%s)",
                                         (timedelta(seconds=self.settings.scheduler_retry_base),)).fetchall()
        except psycopg.OperationalError:
            self._control.close()
            raise
        with self._changed:
            return [row for row in rows if row[0] not in self._running]

    def tick(self) -> None:
        """Dispatch every due step to a worker thread (APScheduler job)."""
        if self.stopping.is_set():
            return
        try:
            due = self.due()
        except psycopg.Error as exc:
            log.error("cannot ask the database what is due: %s", exc)
            return
        for step, runner, reason in due:
            with self._changed:
                self._running[step] = None
            log.info("step %s due (%s)", step, reason)
            self.scheduler.add_job(self.run, args=[step, runner], id=f"step:{step}", name=step,
                                   misfire_grace_time=None, replace_existing=True)

    # --- one run ----------------------------------------------------------------------------

    def run(self, step: str, runner: str) -> StepRun | None:
        """Run one step on its own connection; None when the database was unreachable."""
        try:
            if self.stopping.is_set():
                return None
            try:
                conn = self._connect()
            except psycopg.Error as exc:
                log.error("step %s: cannot connect: %s", step, exc)
                return None
            with self._changed:
                self._running[step] = conn
            try:
                if not self._still_due(conn, step):
                    log.info("step %s: another process has just run it", step)
                    return None
                result = run_step(conn, step, runner, self.settings, should_stop=self.stopping.is_set)
            except psycopg.errors.QueryCanceled:
                result = self._cancelled(conn, step)
            except psycopg.Error as exc:
                log.error("step %s: %s", step, exc)
                return None
            finally:
                conn.close()  # also releases any advisory lock the step held
            level = logging.ERROR if result.outcome == "error" else logging.INFO
            log.log(level, "step %s: %s, %s rows in %.2f s%s", step, result.outcome, result.rows, result.seconds,
                    f" ({result.detail})" if result.detail else "")
            return result
        finally:
            with self._changed:
                self._running.pop(step, None)
                self._changed.notify_all()

    def _still_due(self, conn: psycopg.Connection, step: str) -> bool:
        """Take the step's lock, then ask again whether it is due. The tick's answer may predate
        a run another replica committed since: rec.due_steps reads the run log in one snapshot
        and the locks after it, so a run that committed and unlocked in between looked due.
        Asked under the lock, the run log is final. True also when another session holds the
        lock: run_step then records the run as skipped. The lock (re-entrant for this session)
        stays held through the run and goes with the connection."""
        if not conn.execute("SELECT rec.lock_step(%s)", (step,)).fetchone()[0]:
            return True
        return conn.execute("SELECT EXISTS (SELECT FROM rec.due_steps(%s) WHERE step = %s)",
                            (timedelta(seconds=self.settings.scheduler_retry_base), step)).fetchone()[0]

    def _cancelled(self, conn: psycopg.Connection, step: str) -> StepRun:
        detail = "cancelled by scheduler shutdown; its transaction rolled back"
        try:
            with self._connect() as other:
                other.execute("SELECT rec.log_job_run(%s, now(), 'error', NULL, %s)", (step, detail))
        except psycopg.Error:
            pass
        return StepRun(step, "error", None, 0.0, detail)

    def _connect(self) -> psycopg.Connection:
        conn = psycopg.connect(self.url, autocommit=True, application_name=self.application_name)
        configure(conn)
        return conn

    def run_due_once(self) -> dict[str, str]:
        """Every due step once, in order, in this thread (``--once``): step -> outcome."""
        outcomes = {}
        for step, runner, _reason in self.due():
            result = self.run(step, runner)
            outcomes[step] = result.outcome if result else "error"
        return outcomes
