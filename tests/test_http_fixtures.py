"""Fixtures shared by the HTTP tests (no tests here; imported by the test_http_* modules).

The API under test connects as login roles that are only members of pgrec_app (or
pgrec_admin): they can EXECUTE rec functions and cannot read a pgrec table, exactly as
documented for production.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Iterator

import psycopg
import pytest
from litestar.testing import TestClient

from app.api import create_app
from app.db import with_database
from app.settings import Settings
from tests.support import as_role, login_role

APP_ROLE = "pgrec_http_test_app"
ADMIN_ROLE = "pgrec_http_test_admin"

ITEMS = [
    {"id": "py-intro", "title": "Python for beginners", "description": "Learn Python from scratch",
     "tags": ["tool:python", "category:programming"], "location": {"lat": 52.52, "lon": 13.40}, "price": 10},
    {"id": "py-web", "title": "Web apps with Python", "description": "Build web applications",
     "tags": ["tool:python", "category:web"], "location": {"lat": 52.50, "lon": 13.42}, "price": 20},
    {"id": "figma-colors", "title": "Figma color systems", "description": "Design tokens and palettes",
     "tags": ["tool:figma", "category:design"], "location": {"lat": 48.85, "lon": 2.35}, "price": 15},
    {"id": "figma-proto", "title": "Prototyping in Figma", "description": "Interactive prototypes",
     "tags": ["tool:figma", "category:design"], "price": 5},
    {"id": "sql-basics", "title": "SQL basics", "description": "Query PostgreSQL databases",
     "tags": ["tool:sql", "category:programming"], "price": 0},
    {"id": "hidden-one", "title": "Hidden Python course", "tags": ["tool:python"], "status": "hidden"},
]
USERS = [
    {"id": "ana", "location": {"lat": 52.51, "lon": 13.41},
     "preferences": {"preferred_tags": {"tool:python": 2}, "blocked_tags": ["tool:figma"]}},
    {"id": "ben"},
]
EVENTS = [
    {"event_id": f"seed-{i}", "user_id": u, "item_id": item, "type": t}
    for i, (u, item, t) in enumerate([
        ("ana", "py-intro", "like"), ("ben", "py-intro", "like"), ("ben", "py-web", "like"),
        ("cid", "py-intro", "like"), ("cid", "py-web", "save"), ("cid", "sql-basics", "view"),
        ("dee", "figma-colors", "like"), ("dee", "figma-proto", "like"), ("eve", "figma-colors", "like"),
        ("eve", "figma-proto", "click"), ("ben", "sql-basics", "complete"), ("cid", "figma-colors", "view"),
    ])
]


@dataclass
class ApiDatabase:
    name: str
    url: str  # superuser: seeding and inspection
    app_url: str  # login role in pgrec_app only
    admin_url: str  # login role in pgrec_admin
    keys: dict[str, str]  # scope set name -> secret

    def bearer(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[key]}"}

    def sql(self, statement: str, params: Any = None) -> list[tuple]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            cur = conn.execute(statement, params)
            return cur.fetchall() if cur.description else []


def ensure_roles(server_url: str) -> None:
    """Login roles for the API (roles are cluster-wide: create once, keep)."""
    login_role(server_url, APP_ROLE, "pgrec_app")
    login_role(server_url, ADMIN_ROLE, "pgrec_admin")


def seed(url: str) -> dict[str, str]:
    """Demo rows, derived data and one key per scope combination."""
    import json

    keys: dict[str, str] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT rec.upsert_items(%s::jsonb)", (json.dumps(ITEMS),))
        conn.execute("SELECT rec.upsert_users(%s::jsonb)", (json.dumps(USERS),))
        conn.execute("SELECT rec.track(%s::jsonb)", (json.dumps(EVENTS),))
        conn.execute("SELECT * FROM rec.refresh()")
        for name, scopes in (("reader", ["read"]), ("writer", ["write"]), ("admin", ["admin"]),
                             ("all", ["read", "write", "admin"])):
            keys[name] = conn.execute("SELECT secret FROM rec.create_api_key(%s, %s)", (name, scopes)).fetchone()[0]
    return keys


@pytest.fixture(scope="module")
def api_db(server_url: str, template_url: str) -> Iterator[ApiDatabase]:
    """A migrated, seeded database for one test module, with API login roles and keys."""
    ensure_roles(server_url)
    name = f"pgrec_http_{uuid.uuid4().hex[:10]}"
    template = psycopg.conninfo.conninfo_to_dict(template_url)["dbname"]
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    url = with_database(server_url, name)
    keys = seed(url)
    yield ApiDatabase(name, url, as_role(url, APP_ROLE), as_role(url, ADMIN_ROLE), keys)
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def make_settings(**overrides: Any) -> Settings:
    """Settings for a test app: no rate limit, no key cache, short pool wait, embeddings off
    (a test that wants them sets a stub provider), unless overridden."""
    base = Settings()
    return replace(base, **{"api_rate_limit": 0, "api_key_cache_seconds": 0, "api_pool_timeout": 2.0,
                            "api_ready_cache_seconds": 0, "api_key_prefix_reload_seconds": 0,
                            "api_embed_queries": False, "api_public_reads": False, **overrides})


@contextmanager
def api_client(conninfo: str, **overrides: Any) -> Iterator[TestClient]:
    """A Litestar test client for an app connected with ``conninfo``."""
    app = create_app(make_settings(**overrides), conninfo=conninfo)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
