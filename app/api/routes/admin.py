"""What an operator watches (scope ``admin``): refresh steps, the embedding queue, traffic, the
feeds' quality (CTR, apply and save rates, coverage, scores) and the API's own latency. The
dashboard (``/dashboard``) is drawn from these endpoints alone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from litestar import Request, get
from litestar.params import Parameter
from msgspec import Meta, Struct

from app.api import queries as q
from app.api.auth import requires
from app.api.routes.common import ERRORS, example, impressions_written, rows, value

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
    every_seconds: Annotated[float, Meta(description="Its cadence (pgrec.refresh_steps.every) in seconds.",
                                         examples=[300.0])]
    age_seconds: Annotated[float | None, Meta(description="Seconds since last_ok_at by rec.now() (staleness); "
                                                          "null when the step never succeeded.", examples=[212.0])]


class RefreshSteps(Struct):
    steps: list[RefreshStepStatus]


@get("/refresh-steps", guards=ADMIN, sync_to_thread=True, summary="Refresh steps and staleness", responses=ERRORS)
def refresh_steps(request: Request) -> RefreshSteps:
    """rec.refresh_status joined with rec.freshness: last run, duration, rows, errors, staleness."""
    ages = {r["step"]: r["age_seconds"] for r in rows(request, q.FRESHNESS, {})}
    return RefreshSteps([RefreshStepStatus(**{k: v for k, v in r.items() if k != "every"},
                                           every_seconds=_seconds(r["every"]), age_seconds=ages.get(r["step"]))
                         for r in rows(request, q.REFRESH_STATUS, {})])


def _seconds(interval: timedelta) -> float:
    return interval.total_seconds()


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



class AnalyticsRow(Struct):
    metric: Annotated[str, Meta(description="users, engagement, recommendations or paths.", examples=["recommendations"])]
    measure: Annotated[str, Meta(examples=["ctr"])]
    value: Annotated[float | None, Meta(examples=[0.042])]
    previous: Annotated[float | None, Meta(description="The same measure over the period before.", examples=[0.038])]
    change: Annotated[float | None, Meta(description="(value - previous) / previous; null when previous is 0.",
                                         examples=[0.105])]


class Analytics(Struct):
    rows: list[AnalyticsRow]


@get("/analytics", guards=ADMIN, sync_to_thread=True, summary="Analytics over a period", responses=ERRORS)
def analytics(request: Request,
              period: Annotated[str | None, Parameter(description="1d, 7d (default), 30d or 90d up to now.",
                                                      examples=example("7d"))] = None,
              metric: Annotated[str | None, Parameter(description="users, engagement, recommendations or paths "
                                                                  "(default: every metric).",
                                                      examples=example("recommendations"))] = None) -> Analytics:
    """rec.analytics: users, engagement, recommendations (CTR) and learning paths (completion),
    each beside the period before; users who withdrew consent to analytics are not counted."""
    impressions_written(request)
    return Analytics([AnalyticsRow(**r) for r in rows(request, q.ANALYTICS, {"period": period, "metric": metric})])


class AuditEntry(Struct):
    id: Annotated[int, Meta(examples=[311])]
    at: Annotated[datetime, Meta(examples=["2026-12-01T18:40:00Z"])]
    action: Annotated[str, Meta(examples=["consent"])]
    user_id: Annotated[str | None, Meta(description="null once the user was forgotten.", examples=["u1"])]
    actor: Annotated[str | None, Meta(examples=["api:backend"])]
    login_role: Annotated[str | None, Meta(examples=["pgrec_api"])]
    details: Annotated[dict[str, Any] | None, Meta(examples=[{"purpose": "analytics", "granted": False}])]


class AuditLog(Struct):
    entries: list[AuditEntry]


@get("/audit-log", guards=ADMIN, sync_to_thread=True, summary="Audit log of profile and privacy actions",
     responses=ERRORS)
def audit_log(request: Request,
              user_id: Annotated[str | None, Parameter(description="Only this user's entries.",
                                                       examples=example("u1"))] = None,
              since: Annotated[datetime | None, Parameter(description="Only entries at or after this time.",
                                                          examples=example("2026-12-01T00:00:00Z"))] = None,
              n: Annotated[int | None, Parameter(description="How many entries, 1..500 (default 100), newest first.",
                                                 examples=example(100))] = None) -> AuditLog:
    """rec.audit_log: forget, export, consent, preference changes and profile rebuilds."""
    return AuditLog([AuditEntry(**r) for r in rows(request, q.AUDIT_LOG, {"user_id": user_id, "since": since, "n": n})])


class FeedMetricsRow(Struct):
    """One strategy's figures (or the total) over the window (rec.feed_metrics); rates are null
    without impressions."""

    strategy: Annotated[str | None, Meta(description="The strategy logged with the impressions; null: the "
                                                     "installation's blend (or, on the total row, every one).",
                                         examples=["marketplace"])]
    total: Annotated[bool, Meta(description="true on the last row, which counts every impression once.",
                                examples=[False])]
    users: Annotated[int, Meta(examples=[180])]
    impressions: Annotated[int, Meta(examples=[3600])]
    clicks: Annotated[int, Meta(description="Impressions followed by a positive event within the attribution window.",
                                examples=[290])]
    ctr: Annotated[float | None, Meta(examples=[0.081])]
    applies: Annotated[int, Meta(examples=[41])]
    apply_rate: Annotated[float | None, Meta(examples=[0.011])]
    saves: Annotated[int, Meta(examples=[77])]
    save_rate: Annotated[float | None, Meta(examples=[0.021])]
    personalized_users: Annotated[int, Meta(description="Served users the strategy personalises for now.",
                                            examples=[150])]
    coverage: Annotated[float | None, Meta(description="personalized_users / users.", examples=[0.83])]
    items_shown: Annotated[int, Meta(examples=[640])]
    catalogue_coverage: Annotated[float | None, Meta(description="items_shown / live items.", examples=[0.21])]


class FeedMetrics(Struct):
    window: Annotated[str, Meta(examples=["7 days"])]
    attribution: Annotated[str, Meta(examples=["24 hours"])]
    rows: list[FeedMetricsRow]


@get("/feed-metrics", guards=ADMIN, sync_to_thread=True, summary="CTR, apply and save rates, coverage",
     responses=ERRORS)
def feed_metrics(request: Request,
                 window: Annotated[str | None, Parameter(description="Impressions served in this trailing window, "
                                                                     "1 hour..365 days (default '7 days').",
                                                         examples=example("7 days"))] = None,
                 attribution: Annotated[str | None, Parameter(description="How long after an impression an event "
                                                                          "counts, up to 30 days (default '24 hours').",
                                                              examples=example("24 hours"))] = None) -> FeedMetrics:
    """rec.feed_metrics: per strategy and in total, from the impressions the feed endpoint logged."""
    impressions_written(request)
    result = rows(request, q.FEED_METRICS, {"window": window, "attribution": attribution})
    return FeedMetrics(window or "7 days", attribution or "24 hours", [FeedMetricsRow(**r) for r in result])


@get("/score-distribution", guards=ADMIN, sync_to_thread=True, summary="Feed score distribution", responses=ERRORS)
def score_distribution(request: Request,
                       strategy: Annotated[str | None, Parameter(description="Feed strategy (default: the "
                                                                             "installation's blend).",
                                                                 examples=example("marketplace"))] = None,
                       users: Annotated[int | None, Parameter(description="Users sampled, 1..200 (default 50).",
                                                              examples=example(30))] = None,
                       n: Annotated[int | None, Parameter(description="Feed length per user, 1..100 (default 20).",
                                                          examples=example(20))] = None,
                       buckets: Annotated[int | None, Parameter(description="Histogram bins, 1..50 (default 10).",
                                                                examples=example(10))] = None) -> dict[str, Any]:
    """rec.score_distribution: the scores of the feeds of recently served or active users:
    percentiles, a histogram, the median per position, and how many were personalised."""
    impressions_written(request)
    return value(request, q.SCORE_DISTRIBUTION, {"strategy": strategy, "users": users, "n": n, "buckets": buckets})


ROUTES = [refresh_steps, embeddings, activity, latency, replica, feed_metrics, score_distribution, analytics, audit_log]
