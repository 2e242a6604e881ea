"""The pages the API serves itself: the playground, the operator dashboard and the API docs.

Plain HTML with small ES modules from ``app/web/`` (no build step) plus Swagger UI's files from
the ``swagger-ui-py`` wheel, all served from this process: the pages work offline and load
nothing from another host (their Content-Security-Policy says so to the browser too). They
hold no key and no data: the page asks for an API key and calls the public /v1 endpoints with
it, like any other client.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from litestar import MediaType, Response, get
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
PAGES_PATHS = ["/playground", "/dashboard", "/static"]

# Same-origin only. Inline styles are allowed for the SVG charts' computed attributes; scripts
# must come from /static (no inline script, no eval).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")


def swagger_ui_dir() -> Path:
    """Swagger UI's distribution files, as the swagger-ui-py wheel ships them."""
    import swagger_ui

    return Path(swagger_ui.__file__).resolve().parent / "static"


@lru_cache(maxsize=None)
def _page(name: str) -> bytes:
    return (WEB_DIR / name).read_bytes()


def page(name: str) -> Response[bytes]:
    return Response(_page(name), media_type=MediaType.HTML,
                    headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                             "Cache-Control": "no-cache"})


@get("/playground", include_in_schema=False, sync_to_thread=False)
def playground() -> Response[bytes]:
    """Feeds as cards with their score terms, weight sliders, explanations and the side feeds."""
    return page("playground.html")


@get("/dashboard", include_in_schema=False, sync_to_thread=False)
def dashboard() -> Response[bytes]:
    """Refresh steps, embedding queue, traffic and latency for operators (data needs an admin key)."""
    return page("dashboard.html")


def routes() -> list:
    static = create_static_files_router(
        path="/static", directories=[WEB_DIR / "static", swagger_ui_dir()], name="static",
        include_in_schema=False)
    return [playground, dashboard, static]


def docs_plugins() -> list:
    """Swagger UI at /schema (and /schema/swagger), its files from /static, no favicon from a CDN."""
    return [SwaggerRenderPlugin(path=["/", "/swagger"], js_url="/static/swagger-ui-bundle.js",
                                css_url="/static/swagger-ui.css",
                                standalone_preset_js_url="/static/swagger-ui-standalone-preset.js",
                                favicon="<link rel='icon' href='data:,'>")]
