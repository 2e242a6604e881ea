"""Test harness: a real PostgreSQL (embedded by default, DATABASE_URL to point elsewhere).

A template database is migrated once per session. ``conn`` gives each test a connection
inside a transaction that is rolled back afterwards; ``fresh_db`` gives a test that needs
real commits (concurrency, CLI, migrations) its own copy of the template.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Iterator

import psycopg
import pytest

from app import ROOT
from app.db import configure, start_embedded, stop_embedded, with_database
from app.schema import migrate
from tests.helpers import ADMIN_ROLE, APP_ROLE, ApiDatabase, as_role, ensure_roles, seed

TEMPLATE = "pgrec_test_template"
# PGREC_TEST_DATA_DIR lets several test runs on one machine use separate servers.
TEST_DATA_DIR = Path(os.environ.get("PGREC_TEST_DATA_DIR", ROOT / ".pgdata-test"))
# Test servers hold small data, and several may run on one machine: size them for 1 GB, not
# for half the machine (app.db.embedded_settings).
os.environ.setdefault("PGREC_EMBEDDED_MEMORY", "1GB")


def admin_execute(url: str, *statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """URL of the maintenance database of the server the tests use."""
    external = os.environ.get("DATABASE_URL")
    if external:
        yield with_database(external, "postgres")
        return
    # Tests have their own instance, so `make test` can run while `make run` serves.
    url = start_embedded(Path(TEST_DATA_DIR))
    yield url
    stop_embedded(Path(TEST_DATA_DIR))


@pytest.fixture(scope="session")
def template_url(server_url: str) -> str:
    admin_execute(server_url, f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)", f"CREATE DATABASE {TEMPLATE}")
    url = with_database(server_url, TEMPLATE)
    migrate(url)
    return url


def clone_template(server_url: str, name: str) -> str:
    admin_execute(server_url, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    return with_database(server_url, name)


@pytest.fixture(scope="session")
def work_url(server_url: str, template_url: str) -> Iterator[str]:
    """A migrated database for rolled-back tests (a template must have no connections)."""
    name = "pgrec_test_work"
    admin_execute(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    yield clone_template(server_url, name)
    admin_execute(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def conn(work_url: str) -> Iterator[psycopg.Connection]:
    """A connection in a transaction that is rolled back after the test."""
    with psycopg.connect(work_url) as connection:
        configure(connection)
        yield connection
        connection.rollback()


@pytest.fixture
def fresh_db(server_url: str, template_url: str) -> Iterator[str]:
    """URL of a new database copied from the migrated template; dropped afterwards."""
    name = f"pgrec_test_{uuid.uuid4().hex[:12]}"
    yield clone_template(server_url, name)
    admin_execute(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def empty_db(server_url: str) -> Iterator[str]:
    """URL of a new, empty database (pgrec not installed)."""
    name = f"pgrec_test_{uuid.uuid4().hex[:12]}"
    admin_execute(server_url, f"CREATE DATABASE {name}")
    yield with_database(server_url, name)
    admin_execute(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


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
