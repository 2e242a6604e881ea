"""Operations: liveness, readiness, Prometheus metrics, and refresh (scope ``admin``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any

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


@get("/readyz", sync_to_thread=True, summary="Readiness", responses=None)
def readyz(request: Request) -> Response[Any]:
    """The database answers and its pgrec installation matches this code (migrations at head,
    same rec API); 503 otherwise, with the reason."""
    installed = request.app.state.database.value(q.INSTALLATION, {})
    heads, checksum = expected_installation()
    revisions = set(installed.get("revisions") or [])
    if revisions != heads:
        return problem(request, 503, f"database is at revision {sorted(revisions)}, this code needs "
                       f"{sorted(heads)}", code="not_ready", hint="Run `pgrec migrate` (alembic upgrade head).")
    if installed.get("api_checksum") != checksum:
        return problem(request, 503, "the installed rec API differs from this code's sql/api", code="not_ready",
                       hint="Run `pgrec migrate` (alembic upgrade head).")
    return Response(Ready(True, sorted(revisions), checksum))


@get("/metrics", sync_to_thread=True, summary="Prometheus metrics", media_type=MediaType.TEXT)
def metrics(request: Request) -> Response[bytes]:
    """Request counts and latency histograms per route, pool use, refresh age per derived object."""
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
