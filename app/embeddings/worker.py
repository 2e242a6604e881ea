"""The embed job: drain ``pgrec.embedding_queue`` through a provider.

All the bookkeeping is SQL: ``rec.embed_claim`` takes a batch with ``FOR UPDATE SKIP LOCKED``
and returns the text to embed, ``rec.embed_store`` writes the vectors back and dequeues what
is now current, ``rec.embed_fail`` backs a failed batch off. Python only calls the provider.
One transaction per batch: a crash (or a cancelled query on shutdown) rolls the batch back and
its items stay queued; batches already committed are complete.

A bulk load (the first backfill, or everything re-queued after a provider switch: at least
``bulk_min`` items queued and half the catalogue) stores vectors without the HNSW index and
builds it once at the end (``rec.embed_bulk_begin`` / ``rec.embed_bulk_finish``); every run ends
by making sure the index exists, so a run that died mid-load is repaired by the next one.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

import psycopg

from app.db import configure
from app.embeddings import EmbeddingDimensionError, Provider, embed_array

__all__ = ["EmbedResult", "database_dim", "embed_pending", "status", "requeue"]

log = logging.getLogger(__name__)


@dataclass
class EmbedResult:
    """What one ``embed_pending`` call did."""

    embedded: int = 0   # vectors stored
    claimed: int = 0    # items taken from the queue (stale ones stay queued)
    batches: int = 0
    seconds: float = 0.0
    bulk: bool = False          # stored without the HNSW index, built at the end
    index_seconds: float = 0.0  # building the HNSW index (included in seconds)

    @property
    def rate(self) -> float:
        """Stored embeddings per second."""
        return self.embedded / self.seconds if self.seconds > 0 else 0.0


def database_dim(conn: psycopg.Connection) -> int:
    """The embedding dimension the database was installed with."""
    return conn.execute("SELECT rec.embedding_dim()").fetchone()[0]


def status(conn: psycopg.Connection) -> dict:
    """``rec.embed_status()``: dim, items, embedded, pending, stale, failing, ready, last_error."""
    return conn.execute("SELECT rec.embed_status()").fetchone()[0]


def requeue(conn: psycopg.Connection, item_ids: list[str] | None = None) -> int:
    """Queue items (all when None) for re-embedding; returns rows queued."""
    return conn.execute("SELECT rec.embed_requeue(%s)", (item_ids,)).fetchone()[0]


def embed_pending(
    conn: psycopg.Connection,
    provider: Provider,
    batch_size: int = 128,
    limit: int | None = None,
    on_batch: Callable[[int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    bulk_min: int = 10_000,
    index_memory: str = "1GB",
    workers: int = 1,
) -> EmbedResult:
    """Embed queued items until the queue has nothing claimable (or ``limit`` items were claimed).

    ``conn`` must be in autocommit mode (``app.db.connect`` gives one): each batch is its own
    transaction. ``on_batch(n)`` is told how many items each committed batch claimed (for a
    progress bar). ``should_stop()`` is checked between batches (scheduler shutdown). A
    provider error backs the batch off in the queue (``rec.embed_fail``) and is re-raised.
    ``bulk_min`` (0: never) and ``index_memory`` (maintenance_work_mem of the index build) govern
    bulk loads.

    ``workers`` > 1 claims batches on that many connections at once (``conn`` and new ones with
    its connection parameters, not its session settings, closed at the end): while one worker
    waits for the provider, another stores its vectors, so the provider's work and the
    database's overlap (two cores busy instead of one taking turns; concurrent requests to a
    remote provider). The queue's ``SKIP LOCKED`` claims keep their batches disjoint. The first
    error stops every worker and is re-raised once they have finished their batch.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    dim = database_dim(conn)
    if provider.dim != dim:
        raise EmbeddingDimensionError(
            f"the {provider.name} provider produces {provider.dim}-dimensional vectors but this database stores {dim}")
    result = EmbedResult()
    run = _Run(batch_size, limit, on_batch, should_stop, result)
    started = time.perf_counter()
    if bulk_min > 0 and (limit is None or limit >= bulk_min):
        result.bulk = conn.execute("SELECT rec.embed_bulk_begin(%s)", (bulk_min,)).fetchone()[0]
    try:
        helpers = [threading.Thread(target=run.drain_on_new_connection, args=(conn, provider), daemon=True)
                   for _ in range(workers - 1)]
        for thread in helpers:
            thread.start()
        try:
            run.drain(conn, provider)
        except BaseException as exc:
            run.fail(exc)
        finally:
            for thread in helpers:
                thread.join()
        if run.error is not None:
            raise run.error
    finally:
        indexing = time.perf_counter()
        try:
            if conn.execute("SELECT rec.embed_bulk_finish(%s)", (index_memory,)).fetchone()[0]:
                result.index_seconds = time.perf_counter() - indexing
        except psycopg.OperationalError as exc:  # the connection is gone: the next run builds it
            log.warning("could not check the embedding index after embedding: %s", exc)
        result.seconds = time.perf_counter() - started
    return result


class _Run:
    """What the workers of one ``embed_pending`` call share: the claim budget, the totals and
    the first error (after which no worker claims again)."""

    def __init__(self, batch_size: int, limit: int | None, on_batch: Callable[[int], None] | None,
                 should_stop: Callable[[], bool] | None, result: EmbedResult) -> None:
        self.batch_size, self.limit, self.on_batch, self.should_stop = batch_size, limit, on_batch, should_stop
        self.result = result
        self.error: BaseException | None = None
        self._lock = threading.Lock()
        self._reserved = 0  # items the workers may claim so far (the limit's budget)

    def fail(self, exc: BaseException) -> None:
        with self._lock:
            if self.error is None:
                self.error = exc

    def _reserve(self) -> int:
        """How many items the next claim may take (0: stop)."""
        if self.error is not None or (self.should_stop is not None and self.should_stop()):
            return 0
        with self._lock:
            size = self.batch_size if self.limit is None else min(self.batch_size, self.limit - self._reserved)
            self._reserved += max(size, 0)
            return max(size, 0)

    def _done(self, reserved: int, claimed: int, stored: int) -> None:
        with self._lock:
            self._reserved -= reserved - claimed
            if not claimed:
                return
            self.result.claimed += claimed
            self.result.embedded += stored
            self.result.batches += 1
        if self.on_batch is not None:
            self.on_batch(claimed)

    def drain_on_new_connection(self, like: psycopg.Connection, provider: Provider) -> None:
        try:
            conn = psycopg.connect(like.info.dsn, password=like.info.password, autocommit=True)
        except psycopg.OperationalError as exc:  # e.g. max_connections: the others do the work
            log.warning("an extra embedding worker could not connect, continuing without it: %s", exc)
            return
        try:
            with conn:
                configure(conn)
                self.drain(conn, provider)
        except BaseException as exc:
            self.fail(exc)

    def drain(self, conn: psycopg.Connection, provider: Provider) -> None:
        """Claim, embed and store batches on ``conn`` until the queue or the budget is empty."""
        while size := self._reserve():
            failure: Exception | None = None
            with conn.transaction():
                rows = conn.execute("SELECT id, content_hash, body FROM rec.embed_claim(%s)", (size,)).fetchall()
                if not rows:
                    self._done(size, 0, 0)
                    return
                ids = [r[0] for r in rows]
                try:
                    vectors = embed_array(provider, [r[2] for r in rows])
                except Exception as exc:  # any provider failure: back the batch off, report
                    failure = exc
                if failure is None:
                    # %b: vectors travel in pgvector's binary format, about 4x smaller than text.
                    stored = conn.execute(
                        "SELECT rec.embed_store(%s, %s, %b)", (ids, [r[1] for r in rows], list(vectors))
                    ).fetchone()[0]
                else:
                    # Still inside the claim's transaction: the rows stay locked until the back-off
                    # commits, so another worker cannot claim (and fail) the same batch in between.
                    conn.execute("SELECT rec.embed_fail(%s, %s)", (ids, f"{type(failure).__name__}: {failure}"))
            if failure is not None:
                log.warning("embedding a batch of %d items failed: %s", len(ids), failure)
                raise failure
            self._done(size, len(rows), stored)
