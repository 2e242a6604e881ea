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
import time
from dataclasses import dataclass
from typing import Callable

import psycopg

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
) -> EmbedResult:
    """Embed queued items until the queue has nothing claimable (or ``limit`` items were claimed).

    ``conn`` must be in autocommit mode (``app.db.connect`` gives one): each batch is its own
    transaction. ``on_batch(n)`` is told how many items each committed batch claimed (for a
    progress bar). ``should_stop()`` is checked between batches (scheduler shutdown). A
    provider error backs the batch off in the queue (``rec.embed_fail``) and is re-raised.
    ``bulk_min`` (0: never) and ``index_memory`` (maintenance_work_mem of the index build) govern
    bulk loads.
    """
    dim = database_dim(conn)
    if provider.dim != dim:
        raise EmbeddingDimensionError(
            f"the {provider.name} provider produces {provider.dim}-dimensional vectors but this database stores {dim}")
    result = EmbedResult()
    started = time.perf_counter()
    if bulk_min > 0 and (limit is None or limit >= bulk_min):
        result.bulk = conn.execute("SELECT rec.embed_bulk_begin(%s)", (bulk_min,)).fetchone()[0]
    try:
        while limit is None or result.claimed < limit:
            if should_stop is not None and should_stop():
                break
            size = batch_size if limit is None else min(batch_size, limit - result.claimed)
            failure: tuple[list[int], Exception] | None = None
            with conn.transaction():
                rows = conn.execute("SELECT id, content_hash, body FROM rec.embed_claim(%s)", (size,)).fetchall()
                if not rows:
                    break
                ids = [r[0] for r in rows]
                try:
                    vectors = embed_array(provider, [r[2] for r in rows])
                except Exception as exc:  # any provider failure: roll back, back off, report
                    failure = (ids, exc)
                    raise _RollBack() from exc
                # %b: vectors travel in pgvector's binary format, about 4x smaller than text.
                stored = conn.execute(
                    "SELECT rec.embed_store(%s, %s, %b)", (ids, [r[1] for r in rows], list(vectors))
                ).fetchone()[0]
            result.claimed += len(rows)
            result.embedded += stored
            result.batches += 1
            if on_batch is not None:
                on_batch(len(rows))
    except _RollBack:
        assert failure is not None
        ids, exc = failure
        conn.execute("SELECT rec.embed_fail(%s, %s)", (ids, f"{type(exc).__name__}: {exc}"))
        log.warning("embedding a batch of %d items failed: %s", len(ids), exc)
        raise exc
    finally:
        indexing = time.perf_counter()
        try:
            if conn.execute("SELECT rec.embed_bulk_finish(%s)", (index_memory,)).fetchone()[0]:
                result.index_seconds = time.perf_counter() - indexing
        except psycopg.OperationalError as exc:  # the connection is gone: the next run builds it
            log.warning("could not check the embedding index after embedding: %s", exc)
        result.seconds = time.perf_counter() - started
    return result


class _RollBack(Exception):
    """Raised inside a batch transaction to roll it back after a provider error."""
