"""Operations: liveness, readiness, Prometheus metrics and refresh (the last two: scope ``admin``)."""

from __future__ import annotations

import threading
import time
from functools import lru_cache
from typing import Annotated, Any

import psycopg

from litestar import MediaType, Request, Response, get, post
from litestar.openapi.spec import Example
from litestar.params import Parameter
from msgspec import Meta, Struct
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.api import queries as q
from app.api.auth import requires
from app.api.errors import problem
from app.api.routes.common import ERRORS, rows


class Health(Struct):
    status: Annotated[str, Meta(examples=["ok"])]


@get("/healthz", summary="Liveness")
async def healthz() -> Health:
    """The process is up and serving; says nothing about the database."""
    return Health("ok")


@lru_cache(maxsize=1)
def expected_installation() -> tuple[set[str], str]:
    """The Alembic heads and API checksum this code ships (read once per process)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from app import ROOT
    from app.schema import api_checksum

    heads = set(ScriptDirectory.from_config(Config(str(ROOT / "alembic.ini"))).get_heads())
    return heads, api_checksum()


class Ready(Struct):
    ready: bool
    revisions: list[str]
    api_checksum: str | None


_READY_LOCK = threading.Lock()


@get("/readyz", sync_to_thread=True, summary="Readiness", responses=None)
def readyz(request: Request) -> Response[Any]:
    """The database answers and its pgrec installation matches this code (migrations at head,
    same rec API); 503 otherwise, with the reason. The answer is reused for
    ``PGREC_API_READY_CACHE_SECONDS``, so probes (or anyone else) cost at most one query per period."""
    state = request.app.state
    ttl = state.settings.api_ready_cache_seconds
    cached = state.get("ready_answer")
    if cached is None or cached[0] <= time.monotonic():
        # One probe asks the database; probes arriving meanwhile wait for its answer.
        with _READY_LOCK:
            cached = state.get("ready_answer")
            if cached is None or cached[0] <= time.monotonic():
                cached = (time.monotonic() + ttl, readiness(state.database))
                if ttl > 0:
                    state.ready_answer = cached
    status, message, hint, body = cached[1]
    if status != 200:
        return problem(request, status, message, code="not_ready" if hint else "unavailable", hint=hint)
    return Response(body)


def readiness(database: Any) -> tuple[int, str, str | None, Ready | None]:
    """(status, message, hint, body) of a readiness check."""
    try:
        installed = database.value(q.INSTALLATION, {})
    except psycopg.Error:
        return 503, "the database is unavailable; retry shortly", None, None
    heads, checksum = expected_installation()
    revisions = set(installed.get("revisions") or [])
    hint = "Run `pgrec migrate` (alembic upgrade head)."
    if revisions != heads:
        return 503, f"database is at revision {sorted(revisions)}, this code needs {sorted(heads)}", hint, None
    if installed.get("api_checksum") != checksum:
        return 503, "the installed rec API differs from this code's sql/api", hint, None
    return 200, "ready", None, Ready(True, sorted(revisions), checksum)


@get("/metrics", guards=[requires("admin")], sync_to_thread=True, summary="Prometheus metrics",
     media_type=MediaType.TEXT, responses=ERRORS)
def metrics(request: Request) -> Response[bytes]:
    """Request counts and latency histograms per route, pool use, refresh age per derived object.
    Needs an ``admin`` key (a scrape queries the database); ``PGREC_API_METRICS_ADDRESS`` serves
    the same text without a key on a separate listener."""
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


class RefreshStep(Struct):
    step: Annotated[str, Meta(examples=["trending"])]
    outcome: Annotated[str, Meta(description="ok, skipped (another session runs it) or error.", examples=["ok"])]
    rows: Annotated[int | None, Meta(examples=[236])]
    seconds: Annotated[float, Meta(examples=[0.01])]


class RefreshResult(Struct):
    steps: list[RefreshStep]


@post("/v1/admin/refresh", guards=[requires("admin")], sync_to_thread=True, status_code=200, responses=ERRORS,
      summary="Recompute derived data")
def refresh(request: Request,
            what: Annotated[str | None, Parameter(description="'all' (default) or one refresh step.",
                                                  examples=[Example(value="trending")])] = None
            ) -> RefreshResult:
    """rec.refresh: runs the refresh steps (no statement timeout: a full refresh can take a while)."""
    result = rows(request, q.REFRESH, {"what": what}, no_timeout=True)
    return RefreshResult([RefreshStep(r["step"], r["outcome"], r["rows"], r["seconds"]) for r in result])


ROUTES = [healthz, readyz, metrics, refresh]
