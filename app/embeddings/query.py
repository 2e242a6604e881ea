"""Embedding search queries inside a request: fast or not at all.

A search is answered within the API's request budget whether or not the embeddings provider is
well. The embed job can wait a minute and retry; a search cannot. So a query embedding:

* is skipped for queries longer than :data:`MAX_QUERY_CHARS` (the SQL API refuses them anyway);
* runs on a small pool of its own threads with a hard deadline (``PGREC_API_QUERY_EMBED_TIMEOUT``)
  and no retries; at most ``PGREC_API_QUERY_EMBED_CONCURRENCY`` run at once and a search that
  finds them all busy does not wait — a hanging provider can hold those few threads, never the
  API's request threads;
* goes through a circuit breaker: after ``PGREC_API_QUERY_EMBED_FAILURES`` consecutive failures
  the provider is not called for ``PGREC_API_QUERY_EMBED_COOLDOWN`` seconds, then one trial call
  decides whether it closes again.

When no vector comes back, :meth:`QueryEmbedder.embed` says why and the search runs on keywords.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Callable

import numpy as np

from app.embeddings import Provider

__all__ = ["CircuitBreaker", "MAX_QUERY_CHARS", "QueryEmbedder", "QueryVector"]

log = logging.getLogger("pgrec.api")

#: Longest query embedded; the same bound rec.search puts on its query text.
MAX_QUERY_CHARS = 1000


class CircuitBreaker:
    """Closed → (``failures`` in a row) → open → (``cooldown`` s) → half-open: one trial call;
    its success closes the breaker, its failure opens it for another cooldown."""

    def __init__(self, failures: int, cooldown: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.failures = max(1, failures)
        self.cooldown = cooldown
        self.clock = clock
        self.state = "closed"
        self._in_a_row = 0
        self._opened_at = 0.0
        self._trial = False
        self._lock = threading.Lock()

    def allow(self) -> bool:
        """May a call go to the provider now? (In half-open state, only the one trial may.)"""
        with self._lock:
            if self.state == "closed":
                return True
            if self.state == "open" and self.clock() - self._opened_at >= self.cooldown:
                self.state = "half-open"
                self._trial = False
            if self.state == "half-open" and not self._trial:
                self._trial = True
                return True
            return False

    def succeeded(self) -> None:
        with self._lock:
            self.state, self._in_a_row, self._trial = "closed", 0, False

    def failed(self) -> None:
        with self._lock:
            self._in_a_row += 1
            if self.state == "half-open" or self._in_a_row >= self.failures:
                if self.state != "open":
                    log.warning("query embeddings failing: searches answer by keywords for %ss", self.cooldown)
                self.state, self._opened_at, self._trial = "open", self.clock(), False

    def abandoned(self) -> None:
        """A call allowed by :meth:`allow` never ran: give the half-open trial back."""
        with self._lock:
            self._trial = False


@dataclass(frozen=True)
class QueryVector:
    """A query's embedding, or why there is none (``unavailable`` says whether that is a fault
    the caller should be told about, as opposed to embedding being switched off)."""

    vector: np.ndarray | None
    why_not: str | None = None
    unavailable: bool = False


class QueryEmbedder:
    """Embeds search queries under the rules in the module docstring."""

    def __init__(self, load_provider: Callable[[], Provider | None], timeout: float, failures: int,
                 cooldown: float, concurrency: int) -> None:
        self.load_provider = load_provider
        self.provider: Provider | None = None
        self.timeout = timeout
        self.breaker = CircuitBreaker(failures, cooldown)
        self._slots = threading.BoundedSemaphore(max(1, concurrency))
        self._pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="pgrec-query-embed")
        self._load_lock = threading.Lock()
        self._none_installed = False

    def _provider(self) -> Provider | None:
        if self.provider is None and not self._none_installed:
            with self._load_lock:
                if self.provider is None and not self._none_installed:
                    self.provider = self.load_provider()
                    self._none_installed = self.provider is None
        return self.provider

    def embed(self, text: str) -> QueryVector:
        if len(text) > MAX_QUERY_CHARS:
            return QueryVector(None, f"query longer than {MAX_QUERY_CHARS} characters", unavailable=True)
        if not self._slots.acquire(blocking=False):
            return QueryVector(None, "query embeddings busy", unavailable=True)
        released = False
        try:
            if not self.breaker.allow():
                return QueryVector(None, "query embeddings failing (circuit open)", unavailable=True)
            try:
                future = self._pool.submit(self._embed_one, text)
            except RuntimeError:  # the pool was shut down
                self.breaker.abandoned()
                return QueryVector(None, "query embeddings stopped", unavailable=True)
            # The slot is held until the provider call really returns, even after the request
            # stopped waiting: that is what bounds the threads a hanging provider can hold.
            future.add_done_callback(lambda _f: self._slots.release())
            released = True
            try:
                vector = future.result(timeout=self.timeout)
            except FutureTimeout:
                self.breaker.failed()
                return QueryVector(None, f"query embedding took longer than {self.timeout:g} s", unavailable=True)
            except Exception as exc:  # a provider outage degrades search, it does not fail it
                self.breaker.failed()
                log.warning("query embedding failed: keyword search only", exc_info=exc)
                return QueryVector(None, f"query embedding failed ({type(exc).__name__})", unavailable=True)
            if vector is None:
                self.breaker.abandoned()
                return QueryVector(None, "no embeddings provider", unavailable=True)
            self.breaker.succeeded()
            return QueryVector(vector)
        finally:
            if not released:
                self._slots.release()

    def _embed_one(self, text: str) -> np.ndarray | None:
        provider = self._provider()
        if provider is None:
            return None
        vector = np.asarray(provider.embed([text])[0], dtype=np.float32)
        if vector.shape != (provider.dim,) or not np.isfinite(vector).all():
            raise ValueError(f"the provider returned a vector of shape {vector.shape} (or non-finite values), "
                             f"expected {provider.dim} finite numbers")
        return vector

    def close(self) -> None:
        # Do not wait for a hanging provider call; its thread ends with its own timeout.
        self._pool.shutdown(wait=False, cancel_futures=True)
