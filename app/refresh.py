"""Running refresh steps: the ones in SQL through ``rec.refresh``, the ones that need the
application (runner ``python``) here, with the same lock and the same run log.

The steps, their order and their schedule are rows of ``pgrec.refresh_steps``; this module only
knows how to do the Python ones (:data:`PYTHON_STEPS`). ``pgrec refresh`` and the scheduler
both call :func:`run_step`, so a step does the same thing whoever runs it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

import psycopg

from app.db import configure
from app.settings import Settings, get_settings

log = logging.getLogger("pgrec.refresh")

__all__ = ["PYTHON_STEPS", "StepRun", "refresh", "run_step"]


@dataclass(frozen=True)
class StepRun:
    """The outcome of one step run, as ``rec.refresh`` reports it."""

    step: str
    outcome: str            # ok | skipped | error
    rows: int | None
    seconds: float
    detail: str | None = None


StopCheck = Callable[[], bool]


def _embeddings(conn: psycopg.Connection, settings: Settings, should_stop: StopCheck) -> tuple[int, str]:
    """Drain the embedding queue through the configured provider (app.embeddings.worker)."""
    from app.embeddings.worker import database_dim, embed_pending

    provider = _provider(settings, database_dim(conn))
    result = embed_pending(conn, provider, batch_size=settings.embedding_batch_size, should_stop=should_stop,
                           bulk_min=settings.embedding_bulk_min, index_memory=settings.embedding_index_memory,
                           workers=settings.embedding_workers)
    detail = f"{result.claimed} items claimed in {result.batches} batches with {provider.name}"
    if result.bulk:
        detail += f", bulk load (HNSW index built in {result.index_seconds:.1f} s)"
    return result.embedded, detail


_PROVIDERS: dict[tuple[int, str], object] = {}


def _provider(settings: Settings, dim: int):
    """One provider per process and dimension (the OpenAI client keeps its connections)."""
    from app.embeddings import get_provider

    key = (dim, settings.embedding_provider)
    if key not in _PROVIDERS:
        _PROVIDERS[key] = get_provider(settings, dim=dim)
    return _PROVIDERS[key]


def _tune(conn: psycopg.Connection, settings: Settings, should_stop: StopCheck) -> tuple[int, str]:
    """Fit the blend by replay (app.tuning): the weekly step, and `pgrec tune`."""
    from app.tuning import tune

    result = tune(conn, progress=logging.getLogger("pgrec.tune").info)
    return (1 if result.tuned else 0), result.message


def _model(name: str):
    """A model fitted in Python (app.models): EASE, ALS."""
    def work(conn: psycopg.Connection, settings: Settings, should_stop: StopCheck) -> tuple[int, str]:
        from app.models import FITS

        return FITS[name](conn, name, should_stop)
    return work


#: The steps with runner 'python': name -> work(conn, settings, should_stop) -> (rows, detail).
PYTHON_STEPS: dict[str, Callable[[psycopg.Connection, Settings, StopCheck], tuple[int, str]]] = {
    "embeddings": _embeddings,
    "ease": _model("ease"),
    "als": _model("als"),
    "tune": _tune,
}


def run_step(conn: psycopg.Connection, step: str, runner: str, settings: Settings | None = None,
             should_stop: StopCheck = lambda: False) -> StepRun:
    """Run one refresh step on ``conn`` (autocommit). SQL steps go through ``rec.refresh``, which
    locks, runs and records them; Python steps take the same lock (``rec.lock_step``) and are
    recorded with ``rec.log_job_run``. Never raises for a failing step: the outcome says it."""
    if runner == "sql":
        _, outcome, rows, seconds = conn.execute(
            "SELECT step, outcome, rows, seconds FROM rec.refresh(%s)", (step,)).fetchone()
        return StepRun(step, outcome, rows, seconds)
    work = PYTHON_STEPS.get(step)
    started = datetime.now(timezone.utc)
    clock = time.perf_counter()
    if work is None:
        return _record(conn, step, started, clock, "error", None, f"this pgrec build has no Python step {step!r}")
    if not conn.execute("SELECT rec.lock_step(%s)", (step,)).fetchone()[0]:
        return _record(conn, step, started, clock, "skipped", None, "another process is running this step")
    try:
        # The caller's connection may be a plain one: the model steps write vectors.
        configure(conn)
        rows, detail = work(conn, settings or get_settings(), should_stop)
    except Exception as exc:  # noqa: BLE001 — a failing step is reported and recorded, never fatal
        from app.embeddings import EmbeddingError

        log.error("step %s failed: %s", step, exc, exc_info=not isinstance(exc, (EmbeddingError, psycopg.Error)))
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.rollback()
        return _record(conn, step, started, clock, "error", None, f"{type(exc).__name__}: {exc}")
    finally:
        try:
            conn.execute("SELECT rec.unlock_step(%s)", (step,))
        except psycopg.Error:
            pass  # closing the connection releases it anyway
    return _record(conn, step, started, clock, "ok", rows, detail)


def _record(conn: psycopg.Connection, step: str, started: datetime, clock: float, outcome: str,
            rows: int | None, detail: str | None) -> StepRun:
    try:
        conn.execute("SELECT rec.log_job_run(%s, %s, %s, %s, %s)", (step, started, outcome, rows, detail))
    except psycopg.Error as exc:  # the database may be what failed; the log line still says it
        log.warning("step %s: could not record the run: %s", step, exc)
    return StepRun(step, outcome, rows, time.perf_counter() - clock, detail)


def refresh(conn: psycopg.Connection, what: str = "all", settings: Settings | None = None) -> list[StepRun]:
    """Every enabled step in order (``what='all'``, leaving out those not ``in_all``: tune), or
    one step by name, SQL and Python alike:
    what ``pgrec refresh`` runs. An unknown step raises 22023 like ``rec.refresh``."""
    steps = conn.execute("SELECT step, runner, enabled, in_all FROM rec.refresh_status()").fetchall()
    if what != "all" and what not in {s for s, *_ in steps}:
        conn.execute("SELECT * FROM rec.refresh(%s)", (what,))  # raises the SQL API's own error
    return [run_step(conn, step, runner, settings) for step, runner, enabled, in_all in steps
            if (what == "all" and enabled and in_all) or step == what]
