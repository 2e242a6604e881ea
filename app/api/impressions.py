"""The feed endpoint's impression log, written in batches off the request path.

Every feed page the API serves is recorded with ``rec.log_impressions`` (the experiment reports
and ``rec.feed_metrics`` count clicks against those rows). Writing it inside the request cost a
second pooled connection, a PL/pgSQL validation and a commit (a WAL flush) per page, about as
much as serving the page. So the request only puts the page on a bounded in-process queue, and
one writer thread sends what has gathered every ``PGREC_API_IMPRESSIONS_FLUSH_MS`` in one
transaction: one round trip (pipelined) and one commit for many pages.

What stays the same:

* each page is still written by ``rec.log_impressions`` (same validation, same rows), and its
  ``served_at`` is the clock the page was served at (the feed's own ``rec.now()``, replayed in
  the writer's transaction through ``rec.as_of``), not the time of the flush;
* a page that cannot be logged (an erased user, an older database) is a warning in the log,
  never the client's error, and never costs the other pages of its batch;
* the endpoints that report on impressions (experiment report, feed metrics, score
  distribution) flush first, so in one API process a report sees every page served before it.

The data-loss window: a page is in memory only between being served and the next flush (at
most ``PGREC_API_IMPRESSIONS_FLUSH_MS`` plus one write while the database keeps up). A graceful
stop (SIGTERM) flushes everything queued before the pool closes. A process killed outright
(SIGKILL, OOM, power) loses the pages of that window. When the queue is full (the database is
slower than the traffic), the request writes its page itself, as before: the queue bounds memory,
it never drops pages. ``PGREC_API_IMPRESSIONS_FLUSH_MS=0`` writes every page in its request.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.api import queries as q
from app.api.db import Database

log = logging.getLogger("pgrec.api")


@dataclass(frozen=True)
class Page:
    """One served page: what ``rec.log_impressions`` takes, and the clock it was served at."""

    request_id: str
    user_id: str
    items: list[str]
    experiment: str | None
    variant: str | None
    strategy: str | None
    served_at: datetime | None  # the feed's rec.now(); None: the writer's clock

    def params(self) -> dict[str, Any]:
        return {"request_id": self.request_id, "user_id": self.user_id, "items": self.items,
                "experiment": self.experiment, "variant": self.variant, "strategy": self.strategy}


def warn_not_logged(page: Page, exc: BaseException) -> None:
    log.warning("impressions not logged", extra={"fields": {
        "request_id": page.request_id, "error": type(exc).__name__, "sqlstate": getattr(exc, "sqlstate", None),
        "message": str(exc)[:300]}})


class ImpressionLog:
    """Pages waiting for ``rec.log_impressions``, and the thread that writes them.

    ``flush_seconds`` 0: no thread, every page is written by :meth:`add` in the caller's thread."""

    # Every log of this process, for :func:`flush_all` (a report answered by one app of a
    # process sees the pages another app of it served).
    _live: "weakref.WeakSet[ImpressionLog]" = weakref.WeakSet()

    # Pages per transaction: a batch is one pipelined round trip; a bigger one only makes a
    # failed batch (then retried page by page) dearer.
    BATCH = 200

    def __init__(self, database: Database, flush_seconds: float, max_pages: int = 10_000) -> None:
        self.database = database
        self.flush_seconds = flush_seconds
        self._queue: queue.Queue[Page] = queue.Queue(maxsize=max(1, max_pages))
        self._idle = threading.Condition()
        self._flush_requested = False
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        if flush_seconds > 0:
            self._thread = threading.Thread(target=self._run, name="pgrec-impressions", daemon=True)
            self._thread.start()
            ImpressionLog._live.add(self)

    def add(self, page: Page) -> None:
        """Log ``page``: queued for the writer, or written now (no writer, or the queue is full)."""
        if self._thread is not None and not self._stopping.is_set():
            try:
                self._queue.put_nowait(page)
                return
            except queue.Full:
                pass
        self._write_one(page)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every page added so far is written (or failed); False on timeout."""
        if self._thread is None:
            return True
        deadline = time.monotonic() + timeout
        with self._idle:
            self._flush_requested = True
            self._idle.notify_all()  # wake the writer now instead of at its next tick
            while self._queue.unfinished_tasks:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(min(left, 0.05))
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued and stop the writer (a graceful shutdown loses nothing)."""
        if self._thread is None:
            return
        self._stopping.set()
        ImpressionLog._live.discard(self)
        with self._idle:
            self._idle.notify_all()
        self._thread.join(timeout)
        self._thread = None
        while True:  # anything added while stopping
            try:
                page = self._queue.get_nowait()
            except queue.Empty:
                break
            self._write_one(page)
            self._queue.task_done()

    @property
    def pending(self) -> int:
        return self._queue.unfinished_tasks

    # --- the writer ---------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._idle:
                if not self._stopping.is_set() and not self._flush_requested:
                    self._idle.wait(self.flush_seconds)
                self._flush_requested = False
            while batch := self._take():
                try:
                    self._write(batch)
                finally:
                    for _ in batch:
                        self._queue.task_done()
                    with self._idle:
                        self._idle.notify_all()
            if self._stopping.is_set():
                return

    def _take(self) -> list[Page]:
        batch: list[Page] = []
        while len(batch) < self.BATCH:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _write(self, batch: list[Page]) -> None:
        """All pages in one transaction; if any fails, each page on its own (so one bad page
        costs only itself, with its warning)."""
        try:
            self.database.log_pages([(p.served_at, p.params()) for p in batch], q.LOG_IMPRESSIONS)
        except Exception:  # noqa: BLE001  (retried page by page below, each failure logged)
            for page in batch:
                self._write_one(page)

    def _write_one(self, page: Page) -> None:
        try:
            self.database.log_pages([(page.served_at, page.params())], q.LOG_IMPRESSIONS)
        except Exception as exc:  # noqa: BLE001  (whatever went wrong, the page was served)
            warn_not_logged(page, exc)


def flush_all(timeout: float = 10.0) -> None:
    """Write the pages every impression log of this process holds (before a report)."""
    for log_ in list(ImpressionLog._live):
        log_.flush(timeout)
