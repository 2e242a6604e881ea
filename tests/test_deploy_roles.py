"""The production shape (docker-compose.yml) runs every service with the least privilege it needs:
the API as a member of pgrec_app only, the scheduler as a member of pgrec_admin only, and only
the one-shot migration as the superuser. The role script the db container runs on first start
(deploy/initdb) is run here against a server of its own, followed by the migration, and then
each role does its job — and no more."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import psycopg
import pytest
import yaml

from app import ROOT
from app.db import _pgserver, start_embedded, stop_embedded, with_database
from app.schema import migrate
from tests.helpers import as_role

COMPOSE = ROOT / "docker-compose.yml"
ROLE_SCRIPT = ROOT / "deploy" / "initdb" / "10-pgrec-login-roles.sh"
DEPLOY_DATA_DIR = Path(os.environ.get("PGREC_TEST_DEPLOY_DATA_DIR", ROOT / ".pgdata-test-deploy"))


def user_of(url: str) -> str:
    return url.split("://", 1)[1].split(":", 1)[0]


def test_compose_gives_each_service_its_own_role() -> None:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    superuser = services["db"]["environment"]["POSTGRES_USER"]
    assert user_of(services["migrate"]["environment"]["DATABASE_URL"]) == superuser
    api = services["api"]["environment"]
    assert {user_of(api["PGREC_API_DATABASE_URL"]), user_of(api["DATABASE_URL"])} == {"pgrec_api"}
    assert user_of(services["scheduler"]["environment"]["DATABASE_URL"]) == "pgrec_scheduler"
    assert "./deploy/initdb:/docker-entrypoint-initdb.d:ro" in services["db"]["volumes"]
    # No service but migrate carries the superuser's password.
    for name in ("api", "scheduler"):
        assert "PGREC_DB_PASSWORD" not in str(services[name]["environment"]), name


@pytest.fixture(scope="module")
def deployed() -> Iterator[str]:
    """A server of its own (the script creates cluster-wide roles), set up as the db container
    is: the role script on an empty database, then the migration as the superuser."""
    shutil.rmtree(DEPLOY_DATA_DIR, ignore_errors=True)
    admin = start_embedded(DEPLOY_DATA_DIR)
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE DATABASE pgrec")
        info = psycopg.conninfo.conninfo_to_dict(admin)
        # The embedded server's own psql: the script must not depend on a client installed here.
        bin_path = _pgserver().get_server(DEPLOY_DATA_DIR, cleanup_mode=None).bin_path
        env = {**os.environ, "PATH": f"{bin_path}{os.pathsep}{os.environ.get('PATH', '')}", "POSTGRES_USER": info.get("user") or "postgres", "POSTGRES_DB": "pgrec",
               "PGHOST": str(info.get("host", "")), "PGPORT": str(info.get("port") or 5432),
               "PGREC_API_DB_PASSWORD": "api-secret", "PGREC_SCHEDULER_DB_PASSWORD": "scheduler-secret"}
        done = subprocess.run(["bash", str(ROLE_SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        url = with_database(admin, "pgrec")
        migrate(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT rec.upsert_items('[{\"id\": \"i1\", \"title\": \"An item\"}]')")
        yield url
    finally:
        stop_embedded(DEPLOY_DATA_DIR)
        shutil.rmtree(DEPLOY_DATA_DIR, ignore_errors=True)


def test_the_roles_are_what_compose_says(deployed: str) -> None:
    with psycopg.connect(deployed) as conn:
        rows = conn.execute("""
            SELECT r.rolname, r.rolcanlogin, r.rolsuper, r.rolcreaterole, r.rolcreatedb,
                   array(SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                         WHERE m.member = r.oid ORDER BY 1)
            FROM pg_roles r WHERE r.rolname IN ('pgrec_api', 'pgrec_scheduler') ORDER BY 1""").fetchall()
    assert rows == [("pgrec_api", True, False, False, False, ["pgrec_app"]),
                    ("pgrec_scheduler", True, False, False, False, ["pgrec_admin"])]


def test_the_api_role_serves_and_cannot_touch_tables_or_operations(deployed: str) -> None:
    with psycopg.connect(as_role(deployed, "pgrec_api"), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM rec.latest(10)").fetchone()[0] == 1
        assert conn.execute("SELECT rec.track('[{\"user_id\": \"u\", \"item_id\": \"i1\", \"type\": \"like\"}]')"
                            ).fetchone()[0] == 1
        for statement in ("SELECT count(*) FROM pgrec.items", "SELECT * FROM pgrec.api_keys",
                          "SELECT * FROM rec.refresh('stats')", "SELECT * FROM rec.create_api_key('x', ARRAY['admin'])"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_the_scheduler_role_runs_every_job(deployed: str, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": as_role(deployed, "pgrec_scheduler"), "PGREC_EMBEDDING_PROVIDER": "offline"}
    done = subprocess.run([sys.executable, "-m", "app.cli", "scheduler", "--once"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "error" not in done.stdout, done.stdout
    with psycopg.connect(as_role(deployed, "pgrec_scheduler")) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM pgrec.items")
