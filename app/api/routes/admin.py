"""What an operator watches (scope ``admin``): refresh steps, the embedding queue, traffic and
the API's own latency. The dashboard (``/dashboard``) is drawn from these endpoints alone."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Request, get
from litestar.params import Parameter
from msgspec import Meta, Struct

from app.api import queries as q
from app.api.auth import requires
from app.api.routes.common import ERRORS, example, rows, value

ADMIN = [requires("admin")]


class RefreshStepStatus(Struct):
    """One refresh step: its latest run and how stale its derived data is."""

    step: Annotated[str, Meta(examples=["trending"])]
    position: Annotated[int, Meta(description="Order within rec.refresh('all').", examples=[150])]
    description: Annotated[str | None, Meta(examples=["trending items over the last 24 hours"])]
    last_started_at: Annotated[datetime | None, Meta(description="Start of the latest run (any outcome).",
                                                     examples=["2026-12-01T19:48:34Z"])]
    last_outcome: Annotated[str | None, Meta(description="ok, skipped or error.", examples=["ok"])]
    last_rows: Annotated[int | None, Meta(description="Rows the latest run wrote.", examples=[1832])]
    last_seconds: Annotated[float | None, Meta(description="Duration of the latest run.", examples=[0.35])]
    last_detail: Annotated[str | None, Meta(description="The error (with SQLSTATE) or skip reason of the latest run.",
                                            examples=["another session is running this step"])]
    last_ok_at: Annotated[datetime | None, Meta(description="End of the latest successful run.",
                                                examples=["2026-12-01T19:48:35Z"])]
    runner: Annotated[str, Meta(description="sql (rec.refresh runs it) or python (the scheduler and pgrec refresh do).",
                                examples=["sql"])]
    enabled: Annotated[bool, Meta(description="Whether rec.refresh('all') and the scheduler run it.", examples=[True])]
    age_seconds: Annotated[float | None, Meta(description="Seconds since last_ok_at by rec.now() (staleness); "
                                                          "null when the step never succeeded.", examples=[212.0])]


class RefreshSteps(Struct):
    steps: list[RefreshStepStatus]


@get("/refresh-steps", guards=ADMIN, sync_to_thread=True, summary="Refresh steps and staleness", responses=ERRORS)
def refresh_steps(request: Request) -> RefreshSteps:
    """rec.refresh_status joined with rec.freshness: last run, duration, rows, errors, staleness."""
    ages = {r["step"]: r["age_seconds"] for r in rows(request, q.FRESHNESS, {})}
    return RefreshSteps([RefreshStepStatus(**r, age_seconds=ages.get(r["step"]))
                         for r in rows(request, q.REFRESH_STATUS, {})])


class EmbeddingQueue(Struct):
    """rec.embed_status: how far item embeddings are."""

    dim: Annotated[int | None, Meta(examples=[384])]
    items: Annotated[int, Meta(examples=[2000])]
    embedded: Annotated[int, Meta(examples=[1990])]
    pending: Annotated[int, Meta(description="Items queued (new or edited since their embedding).", examples=[10])]
    stale: Annotated[int, Meta(description="Queued items that still have an older embedding.", examples=[2])]
    failing: Annotated[int, Meta(description="Queued items whose last attempt failed.", examples=[0])]
    ready: Annotated[int, Meta(description="Queued items claimable now (not backing off).", examples=[10])]
    last_error: Annotated[str | None, Meta(examples=["rate limited by the provider (429)"])] = None


@get("/embeddings", guards=ADMIN, sync_to_thread=True, summary="Embedding queue", responses=ERRORS)
def embeddings(request: Request) -> EmbeddingQueue:
    """rec.embed_status: queue depth, failures, and how many items have a vector."""
    return value(request, q.EMBED_STATUS, {})


class ActivityBucket(Struct):
    bucket_start: Annotated[datetime, Meta(description="Start of the bucket; buckets are oldest first.",
                                           examples=["2026-12-01T19:05:00Z"])]
    events: Annotated[int, Meta(examples=[31])]
    by_type: Annotated[dict[str, int], Meta(examples=[{"view": 13, "click": 9, "like": 4}])]


class Activity(Struct):
    buckets: list[ActivityBucket]


@get("/activity", guards=ADMIN, sync_to_thread=True, summary="Events per time bucket", responses=ERRORS)
def activity(request: Request,
             window: Annotated[str | None, Parameter(description="Trailing window up to 30 days (default '1 hour').",
                                                     examples=example("1 hour"))] = None,
             bucket: Annotated[str | None, Parameter(description="Bucket length, 1 second..1 day (default "
                                                                 "'1 minute'); at most 1440 buckets.",
                                                     examples=example("1 minute"))] = None) -> Activity:
    """rec.activity: events per bucket by type, empty buckets included."""
    return Activity([ActivityBucket(r["bucket_start"], r["events"], r["by_type"])
                     for r in rows(request, q.ACTIVITY, {"window": window, "bucket": bucket})])


class LatencyBucket(Struct):
    le_ms: Annotated[float | None, Meta(description="Upper bound in ms (null: beyond the last bound).", examples=[10.0])]
    count: Annotated[int, Meta(description="Requests in this bucket (not cumulative).", examples=[310])]


class RouteLatency(Struct):
    """One route's latency in this API process since it started (from its /metrics histogram)."""

    method: Annotated[str, Meta(examples=["GET"])]
    route: Annotated[str, Meta(examples=["/v1/users/{user_id}/feed"])]
    count: Annotated[int, Meta(examples=[1200])]
    mean_ms: Annotated[float, Meta(examples=[9.8])]
    p50_ms: Annotated[float, Meta(examples=[7.1])]
    p90_ms: Annotated[float, Meta(examples=[16.0])]
    p99_ms: Annotated[float, Meta(examples=[42.5])]
    buckets: list[LatencyBucket]


class Latency(Struct):
    routes: list[RouteLatency]


@get("/latency", guards=ADMIN, sync_to_thread=False, summary="API latency percentiles", responses=ERRORS)
def latency(request: Request) -> Latency:
    """Percentiles per route, estimated from the API's own request histogram (as Prometheus'
    histogram_quantile would); counts since this process started."""
    summary: list[dict[str, Any]] = request.app.state.metrics.latency_summary()
    return Latency([RouteLatency(**{**r, "buckets": [LatencyBucket(**b) for b in r["buckets"]]}) for r in summary])


class Replica(Struct, omit_defaults=True):
    """The hot standby the read endpoints are served from (``PGREC_READ_DATABASE_URL``), as the
    API's two pools see it: rec.replication on the standby, then on the primary with the
    standby's replay position."""

    configured: Annotated[bool, Meta(description="Whether a read URL is set; every other field is null without one.",
                                     examples=[True])]
    in_recovery: Annotated[bool | None, Meta(description="The read URL reaches a standby (false: it is a primary, "
                                                         "which serves reads but is no replica).", examples=[True])] = None
    behind_bytes: Annotated[int | None, Meta(description="WAL the primary has written that the standby has not "
                                                         "replayed yet.", examples=[0])] = None
    replay_age_seconds: Annotated[float | None, Meta(description="Age of the last transaction the standby replayed; "
                                                               "grows on an idle primary although nothing is missing.",
                                                     examples=[0.8])] = None
    last_replayed_at: Annotated[datetime | None, Meta(examples=["2026-12-01T19:48:35Z"])] = None
    replayed_lsn: Annotated[str | None, Meta(examples=["0/3000148"])] = None
    primary_lsn: Annotated[str | None, Meta(examples=["0/3000148"])] = None
    replay_paused: Annotated[bool | None, Meta(examples=[False])] = None


@get("/replica", guards=ADMIN, sync_to_thread=True, summary="Read replica lag", responses=ERRORS)
def replica(request: Request) -> Replica:
    """How far the hot standby that serves the read endpoints is behind the primary."""
    database = request.app.state.database
    if database.read_pool is None:
        return Replica(configured=False)
    standby = database.value(q.REPLICATION, {}, on_replica=True)
    if standby["role"] != "standby":
        return Replica(configured=True, in_recovery=False)
    primary = database.value(q.REPLICATION, {"standby_lsn": standby["replayed_lsn"]}, on_replica=False)
    return Replica(configured=True, in_recovery=True, behind_bytes=primary["standby_behind_bytes"],
                   replay_age_seconds=standby["replay_age_seconds"], last_replayed_at=standby["last_replayed_at"],
                   replayed_lsn=standby["replayed_lsn"], primary_lsn=primary["wal_lsn"],
                   replay_paused=standby["replay_paused"])


ROUTES = [refresh_steps, embeddings, activity, latency, replica]
