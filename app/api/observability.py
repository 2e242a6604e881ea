"""Request ids, structured logs and Prometheus metrics.

Every routed request gets an id (the client's ``X-Request-ID`` when it is sane, else a new
one), echoed in the response header and in error bodies, and one JSON log line:
``{"ts", "level", "msg": "request", "request_id", "method", "route", "path", "status",
"duration_ms", "key"}``. ``/metrics`` exposes request counts and latency histograms per route
template, the connection pool's use, and the age of every derived object's last refresh.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import Any, Iterator

from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from app.api.auth import KEY_NAME_KEY
from app.api.errors import REQUEST_ID_KEY
from app.api.limits import RATE_LIMIT_KEY

log = logging.getLogger("pgrec.api")
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Feed latencies live between a millisecond and a few hundred; the tail buckets catch refreshes.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: easy to grep, easy for a log shipper."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}) or {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO") -> None:
    """JSON logs on stderr for the API process (``pgrec serve``)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.formatter.converter = time.gmtime  # type: ignore[union-attr]
    for name in ("pgrec", "uvicorn", "uvicorn.error", "psycopg.pool"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.propagate = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)  # other libraries: warnings and errors only
    logging.getLogger("pgrec").setLevel(level)
    logging.getLogger("uvicorn").setLevel(level)
    logging.getLogger("psycopg.pool").setLevel(logging.WARNING)
    # The per-request JSON line replaces uvicorn's access log.
    logging.getLogger("uvicorn.access").disabled = True


class Metrics:
    """The API's Prometheus registry (one per app, so tests and several apps do not clash)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("pgrec_http_requests", "HTTP requests by route template, method and status.",
                                ("method", "route", "status"), registry=self.registry)
        self.latency = Histogram("pgrec_http_request_duration_seconds", "HTTP request latency by route template.",
                                 ("method", "route"), buckets=BUCKETS, registry=self.registry)

    def add_collector(self, collector: Collector) -> None:
        self.registry.register(collector)

    def latency_summary(self) -> list[dict[str, Any]]:
        """Per route: request count, mean, p50/p90/p99 and the histogram's buckets, estimated
        from the bucket counts the way Prometheus' ``histogram_quantile`` does (linear within
        a bucket), so the dashboard and a Prometheus server agree on the figures."""
        buckets: dict[tuple[str, str], list[tuple[float, float]]] = {}
        totals: dict[tuple[str, str], float] = {}
        for metric in self.latency.collect():
            for sample in metric.samples:
                key = (sample.labels.get("method", ""), sample.labels.get("route", ""))
                if sample.name.endswith("_bucket"):
                    buckets.setdefault(key, []).append((float(sample.labels["le"]), sample.value))
                elif sample.name.endswith("_sum"):
                    totals[key] = sample.value
        summary = []
        for (method, route), cumulative in buckets.items():
            cumulative.sort()
            count = cumulative[-1][1] if cumulative else 0
            if not count:
                continue
            summary.append({
                "method": method, "route": route, "count": int(count),
                "mean_ms": round(1000 * totals.get((method, route), 0.0) / count, 3),
                **{f"p{q}_ms": round(1000 * _quantile(q / 100, cumulative), 3) for q in (50, 90, 99)},
                "buckets": [{"le_ms": None if le == float("inf") else round(le * 1000, 3), "count": int(n - before)}
                            for (le, n), before in zip(cumulative, [0.0] + [n for _, n in cumulative[:-1]])],
            })
        return sorted(summary, key=lambda r: (-r["count"], r["route"], r["method"]))


def _quantile(q: float, cumulative: list[tuple[float, float]]) -> float:
    """``histogram_quantile``: the q-quantile from (upper bound, cumulative count) pairs."""
    rank = q * cumulative[-1][1]
    lower, below = 0.0, 0.0
    for upper, count in cumulative:
        if count >= rank:
            if upper == float("inf"):
                return lower  # beyond the last finite bound: that bound is the best estimate
            return lower + (upper - lower) * ((rank - below) / (count - below) if count > below else 0.0)
        lower, below = upper, count
    return lower


class DatabaseCollector(Collector):
    """Pool use, read from the pool, and refresh ages, read from ``rec.freshness()`` at scrape time."""

    def __init__(self, app_state: Any) -> None:
        self.state = app_state

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from app.api.queries import FRESHNESS

        embedder = getattr(self.state, "query_embedder", None)
        if embedder is not None:
            breaker = GaugeMetricFamily("pgrec_query_embeddings_breaker_open",
                                        "1 while the query-embedding circuit breaker keeps searches keyword only.")
            breaker.add_metric([], 0 if embedder.breaker.state == "closed" else 1)
            yield breaker
        database = getattr(self.state, "database", None)
        if database is None:
            return
        stats = database.stats()
        pool = GaugeMetricFamily("pgrec_db_pool_connections", "Database pool connections by state.", labels=["state"])
        size, available = stats.get("pool_size", 0), stats.get("pool_available", 0)
        pool.add_metric(["open"], size)
        pool.add_metric(["idle"], available)
        pool.add_metric(["in_use"], max(size - available, 0))
        pool.add_metric(["max"], stats.get("pool_max", 0))
        yield pool
        yield GaugeMetricFamily("pgrec_db_pool_waiting_requests", "Requests waiting for a pooled connection.",
                                value=stats.get("requests_waiting", 0))
        yield CounterMetricFamily("pgrec_db_queries", "SQL statements the API sent (key checks included).",
                                  value=database.queries)
        up = GaugeMetricFamily("pgrec_db_up", "1 when the database answered this scrape.")
        age = GaugeMetricFamily("pgrec_refresh_age_seconds",
                                "Seconds since the last successful refresh of each derived object (step); "
                                "-1 when it never ran.", labels=["step"])
        try:
            rows = database.rows(FRESHNESS, {})
        except Exception:  # a scrape must not fail because the database is down
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for row in rows:
            age.add_metric([row["step"]], -1 if row["age_seconds"] is None else float(row["age_seconds"]))
        yield age


def observe(app: ASGIApp) -> ASGIApp:
    """ASGI middleware: request id, one log line and metrics per request."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        supplied = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        rid = supplied if _SANE_ID.match(supplied) else uuid.uuid4().hex
        scope[REQUEST_ID_KEY] = rid  # type: ignore[literal-required]
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", rid.encode()))
                verdict = scope.get(RATE_LIMIT_KEY)
                if verdict is not None and status != 429:  # a 429 carries them already
                    headers.extend((k.lower().encode(), v.encode()) for k, v in verdict.headers().items())
                message = {**message, "headers": headers}
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        except HTTPException as exc:  # raised by outer middleware (rate limit); answered further out
            status = exc.status_code
            raise
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("path_template") or "unmatched"
            state = scope["app"].state  # type: ignore[typeddict-item]
            metrics: Metrics = state.metrics
            metrics.requests.labels(scope["method"], route, str(status)).inc()
            metrics.latency.labels(scope["method"], route).observe(elapsed)
            log.info("request", extra={"fields": {
                "request_id": rid, "method": scope["method"], "route": route, "path": scope["path"],
                "status": status, "duration_ms": round(elapsed * 1000, 2),
                "key": scope.get(KEY_NAME_KEY)}})

    return middleware


def serve_metrics(registry: CollectorRegistry, address: str) -> Any:
    """Serve ``registry`` on ``host:port`` in a background thread (``PGREC_API_METRICS_ADDRESS``):
    a scrape target on a private interface that needs no API key. Returns the server."""
    from prometheus_client import start_http_server

    host, _, port = address.rpartition(":")
    if not port.isdigit():
        raise ValueError(f"PGREC_API_METRICS_ADDRESS must be host:port, got {address!r}")
    server, _thread = start_http_server(int(port), addr=host.strip("[]") or "127.0.0.1", registry=registry)
    log.info("metrics listener", extra={"fields": {"address": f"{host or '127.0.0.1'}:{server.server_port}"}})
    return server
