"""The Litestar application: routes, security, limits, errors, metrics.

``create_app()`` builds it from settings; ``pgrec serve`` runs it under uvicorn. The API holds
no ranking logic and no state of its own: each handler calls one ``rec.*`` SQL function
through the pool. OpenAPI is served at ``/schema`` (Swagger UI, from local files) and
``/schema/openapi.json``; ``/playground`` and ``/dashboard`` are pages that call the same API.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Router
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from app.api.auth import KeyVerifier, rate_limit_identifier
from app.api.db import Database, open_pool, open_read_pool
from app.api.errors import EXCEPTION_HANDLERS
from app.api.observability import DatabaseCollector, Metrics, observe
from app.api import web
from app.api.routes import admin, feeds, ops, privacy, writes
from app.settings import Settings, get_settings

UNLIMITED_PATHS = ["/healthz", "/readyz", "/metrics", "/schema", *web.PAGES_PATHS]


def create_app(settings: Settings | None = None, conninfo: str | None = None) -> Litestar:
    """The API for ``settings`` (default: from the environment), connecting to ``conninfo``
    (default: ``PGREC_API_DATABASE_URL``, ``DATABASE_URL`` or the embedded server)."""
    settings = settings or get_settings()
    state = State({"settings": settings, "metrics": Metrics(), "conninfo": conninfo})
    state.metrics.add_collector(DatabaseCollector(state))

    def start(app: Litestar) -> None:
        # The pool is made at startup, not import, so importing the app (OpenAPI generation,
        # tests) never needs a database; it opens without waiting for one.
        database = Database(open_pool(settings, app.state.conninfo), open_read_pool(settings))
        database.open()
        app.state.database = database
        app.state.key_verifier = KeyVerifier(database, settings.api_key_cache_seconds)

    def stop(app: Litestar) -> None:
        database = app.state.get("database")
        if database is not None:
            database.close()
            app.state.database = None

    middleware: list[Any] = [observe]
    if settings.api_rate_limit > 0:
        middleware.append(RateLimitConfig(
            rate_limit=("minute", settings.api_rate_limit),
            identifier_for_request=rate_limit_identifier,
            exclude=UNLIMITED_PATHS,
        ).middleware)

    v1 = Router(path="/v1", route_handlers=[*feeds.ROUTES, *writes.ROUTES, *privacy.ROUTES,
                                            Router(path="/admin", route_handlers=admin.ROUTES)])
    return Litestar(
        route_handlers=[v1, *ops.ROUTES, *web.routes()],
        state=state,
        on_startup=[start],
        on_shutdown=[stop],
        middleware=middleware,
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
