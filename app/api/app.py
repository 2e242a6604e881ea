"""The Litestar application: routes, security, limits, errors, metrics.

``create_app()`` builds it from settings; ``pgrec serve`` runs it under uvicorn. The API holds
no ranking logic and no state of its own: each handler calls one ``rec.*`` SQL function
through the pool. OpenAPI is served at ``/schema`` (Swagger UI, from local files) and
``/schema/openapi.json``; ``/playground`` and ``/dashboard`` are pages that call the same API.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request, Router
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.exceptions import ClientException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from app.api.auth import KeyVerifier
from app.api.db import Database, open_pool, open_read_pool
from app.api.impressions import ImpressionLog
from app.api.errors import EXCEPTION_HANDLERS
from app.api import web
from app.api.limits import RateLimiter, nested_deeper_than, parse_networks
from app.api.observability import DatabaseCollector, Metrics, observe, serve_metrics
from app.api.routes import admin, experiments, feeds, learning, ops, privacy, profiles, writes
from app.embeddings.query import QueryEmbedder
from app.settings import Settings, get_settings

_BODY_METHODS = {"POST", "PUT", "PATCH"}


def create_app(settings: Settings | None = None, conninfo: str | None = None) -> Litestar:
    """The API for ``settings`` (default: from the environment), connecting to ``conninfo``
    (default: ``PGREC_API_DATABASE_URL``, ``DATABASE_URL`` or the embedded server)."""
    settings = settings or get_settings()
    state = State({"settings": settings, "metrics": Metrics(), "conninfo": conninfo,
                   # Every endpoint that takes a key is limited (the guard charges it), so there
                   # is no list of excluded paths to get wrong; unguarded ones cost no query.
                   "rate_limiter": RateLimiter(settings.api_rate_limit) if settings.api_rate_limit > 0 else None,
                   "trusted_proxies": parse_networks(settings.api_trusted_proxies),
                   "metrics_server": None})
    state.metrics.add_collector(DatabaseCollector(state))

    def start(app: Litestar) -> None:
        # The pool is made at startup, not import, so importing the app (OpenAPI generation,
        # tests) never needs a database; it opens without waiting for one.
        database = Database(open_pool(settings, app.state.conninfo), open_read_pool(settings))
        database.open()
        app.state.database = database
        app.state.impressions = ImpressionLog(database, settings.api_impressions_flush_ms / 1000,
                                              settings.api_impressions_queue)
        app.state.key_verifier = KeyVerifier(database, settings.api_key_cache_seconds, settings.api_key_cache_entries,
                                             settings.api_key_prefix_reload_seconds)
        app.state.query_embedder = QueryEmbedder(
            lambda: feeds.load_query_provider(app.state), settings.api_query_embed_timeout,
            settings.api_query_embed_failures, settings.api_query_embed_cooldown, settings.api_query_embed_concurrency)
        if settings.api_metrics_address:
            app.state.metrics_server = serve_metrics(app.state.metrics.registry, settings.api_metrics_address)

    def stop(app: Litestar) -> None:
        server = app.state.get("metrics_server")
        if server is not None:
            server.shutdown()
            server.server_close()
            app.state.metrics_server = None
        embedder = app.state.get("query_embedder")
        if embedder is not None:
            embedder.close()
        impressions = app.state.get("impressions")
        if impressions is not None:
            impressions.close()  # before the pool: what was served is written first
            app.state.impressions = None
        database = app.state.get("database")
        if database is not None:
            database.close()
            app.state.database = None

    async def check_json_depth(request: Request) -> None:
        # Before the body is decoded: the decoder (and everything after it) recurses per level.
        if request.method in _BODY_METHODS:
            body = await request.body()
            if nested_deeper_than(body, settings.api_max_json_depth):
                raise ClientException(f"the request body nests arrays or objects deeper than "
                                      f"{settings.api_max_json_depth} levels (or is not valid JSON)")

    middleware: list[Any] = [observe]

    v1 = Router(path="/v1", route_handlers=[*feeds.ROUTES, *writes.ROUTES, *privacy.ROUTES, *experiments.ROUTES,
                                            *profiles.ROUTES, *learning.ROUTES,
                                            Router(path="/admin", route_handlers=admin.ROUTES)])
    return Litestar(
        route_handlers=[v1, *ops.ROUTES, *web.routes()],
        state=state,
        on_startup=[start],
        on_shutdown=[stop],
        middleware=middleware,
        before_request=check_json_depth,
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=settings.api_max_body_bytes,
        cors_config=CORSConfig(allow_origins=list(settings.api_cors_origins),
                               allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
                               expose_headers=["X-Request-ID", "Retry-After"])
        if settings.api_cors_origins else None,
        openapi_config=OpenAPIConfig(
            title="pgrec",
            version="1",
            description="A recommender inside PostgreSQL. Every endpoint forwards to one `rec.*` SQL function. "
                        "Send `Authorization: Bearer <key>` (create keys with `pgrec keys create`).",
            components=Components(security_schemes={
                "apiKey": SecurityScheme(type="http", scheme="bearer", description="pgrec API key")}),
            security=[{"apiKey": []}],
            render_plugins=web.docs_plugins(),
        ),
        # Logging is configured by `pgrec serve` (JSON lines, app.api.observability), not by Litestar.
        logging_config=None,
        debug=False,
    )
