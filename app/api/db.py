"""How the API reaches PostgreSQL: a psycopg pool and one method per kind of result.

The pool comes from :func:`app.db.make_pool` (pgvector registered on every connection). Each
connection carries a statement timeout and an application name, so a DBA sees the API's
sessions in ``pg_stat_activity`` and a runaway call cannot hold a connection forever. A
connection is checked when taken from the pool, so after a database restart the first
requests get fresh connections instead of broken ones. The check costs no round trip while
the connection is healthy (:func:`check_idle_connection`).

With ``PGREC_READ_DATABASE_URL`` a second pool reaches a hot standby, and every call marked
``replica`` (the read endpoints) goes there; everything else stays on the primary.
"""

from __future__ import annotations

import os
import select
import threading
from datetime import datetime
from typing import Any

import msgspec
import psycopg
from psycopg.adapt import Loader
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from app import db as app_db
from app.api.queries import Call
from app.settings import Settings


def api_conninfo(settings: Settings, url: str | None = None, application_name: str = "pgrec-api") -> str:
    """The URL the API connects with (``url``, else the primary's), plus its application name
    and statement timeout.

    Setting ``options`` makes libpq ignore ``PGOPTIONS``, so the options libpq would have taken
    from there (the URL's own, else ``PGOPTIONS``) come first: ``PGOPTIONS="-c rec.as_of=..."``
    serves the API at a replay clock as it does every other client."""
    url = url or settings.api_database_url or app_db.database_url()
    info = psycopg.conninfo.conninfo_to_dict(url)
    options = " ".join(filter(None, [str(info.get("options") or os.environ.get("PGOPTIONS") or ""),
                                     f"-c statement_timeout={settings.api_statement_timeout_ms}"]))
    return psycopg.conninfo.make_conninfo(url, application_name=info.get("application_name") or application_name,
                                          options=options)


def check_idle_connection(conn: psycopg.Connection) -> None:
    """The pool's check when a request takes a connection: raise if it is dead.

    An idle connection has nothing to read unless the server wrote to it unasked, which it does
    when it ends the session (a restart, ``pg_terminate_backend``, a shutdown: an error message,
    then end of file) or when the socket was closed. So a socket with nothing to read is
    healthy without asking the server, and only a readable one gets the round trip of
    ``ConnectionPool.check_connection``. What this cannot see is a server host that vanished
    without closing the socket; the request then fails like any query to a dead server (503)
    and the pool drops the connection."""
    if conn.closed or conn.broken:
        raise psycopg.OperationalError("the connection is closed")
    readable, _, _ = select.select([conn.fileno()], [], [], 0)
    if readable:
        ConnectionPool.check_connection(conn)


def open_pool(settings: Settings, conninfo: str | None = None, name: str = "pgrec-api") -> ConnectionPool:
    """A pool for the API; opening does not wait for the database (readyz tells when it is up)."""
    return app_db.make_pool(
        conninfo or api_conninfo(settings),
        name=name,
        timeout=settings.api_pool_timeout,
        check=check_idle_connection,
        open=False,
    )


def open_read_pool(settings: Settings) -> ConnectionPool | None:
    """The pool on the hot standby (``PGREC_READ_DATABASE_URL``), or None without one."""
    if not settings.read_database_url:
        return None
    return open_pool(settings, api_conninfo(settings, settings.read_database_url, "pgrec-api-read"), "pgrec-api-read")


class RawJsonLoader(Loader):
    """jsonb as the JSON text the server sent, for a response that passes it on unchanged:
    decoding it into Python objects only to encode them again was a good part of serving a
    page (msgspec writes a Raw value into the response as it is)."""

    def load(self, data: Any) -> msgspec.Raw:
        return msgspec.Raw(bytes(data))


class Database:
    """Runs :class:`~app.api.queries.Call` statements through the pool: calls marked
    ``replica`` through ``read_pool`` when there is one, the rest through ``pool``."""

    def __init__(self, pool: ConnectionPool, read_pool: ConnectionPool | None = None) -> None:
        self.pool = pool
        self.read_pool = read_pool
        # Statements sent, for pgrec_db_queries_total and for tests that check a request costs
        # no query (invented API keys, cached readiness).
        self.queries = 0
        self._count_lock = threading.Lock()

    def pool_for(self, call: Call) -> ConnectionPool:
        return self.read_pool if call.replica and self.read_pool is not None else self.pool

    def _counted(self) -> None:
        with self._count_lock:
            self.queries += 1

    def open(self) -> None:
        self.pool.open(wait=False)
        if self.read_pool is not None:
            self.read_pool.open(wait=False)

    def close(self) -> None:
        # Waits for connections in use to come back, so in-flight requests finish (graceful
        # shutdown), then closes them all.
        self.pool.close(timeout=10)
        if self.read_pool is not None:
            self.read_pool.close(timeout=10)

    def rows(self, call: Call, params: dict[str, Any], *, no_timeout: bool = False,
             raw_json: bool = False) -> list[dict[str, Any]]:
        """All rows of a table function, as dicts keyed by column name; jsonb values as
        :class:`msgspec.Raw` with ``raw_json``."""
        given = {k: v for k, v in params.items() if v is not None}
        self._counted()
        with self.pool_for(call).connection() as conn:
            with conn.cursor(row_factory=dict_row) as cur:
                if raw_json:
                    cur.adapters.register_loader("jsonb", RawJsonLoader)
                if no_timeout:
                    with conn.transaction():
                        cur.execute("SET LOCAL statement_timeout = 0")
                        cur.execute(call.statement(given), given)
                        return cur.fetchall()
                cur.execute(call.statement(given), given)
                return cur.fetchall()

    def value(self, call: Call, params: dict[str, Any], *, on_replica: bool | None = None) -> Any:
        """The single value a scalar function returns; ``on_replica`` overrides where it runs
        (True: the standby, which must then be configured; False: the primary)."""
        given = {k: v for k, v in params.items() if v is not None}
        pool = self.pool_for(call) if on_replica is None else (self.read_pool if on_replica else self.pool)
        if pool is None:
            raise RuntimeError("no read pool: PGREC_READ_DATABASE_URL is not set")
        self._counted()
        with pool.connection() as conn:
            row = conn.execute(call.statement(given), given).fetchone()
        return row[0] if row else None

    def log_pages(self, pages: list[tuple[datetime, dict[str, Any]]], call: Call) -> None:
        """Run ``call`` (rec.log_impressions) once per page in one transaction, pipelined: one
        round trip and one commit for the batch. Each page's statement runs at the clock it was
        served at (``rec.as_of`` for that statement), so its rows get that ``served_at``."""
        self._counted()
        with self.pool.connection() as conn:
            with conn.transaction(), conn.pipeline(), conn.cursor() as cur:
                for served_at, params in pages:
                    given = {k: v for k, v in params.items() if v is not None}
                    cur.execute("SELECT set_config('rec.as_of', %s, true)", (served_at.isoformat(),))
                    cur.execute(call.statement(given), given)

    def stats(self) -> dict[str, int]:
        return self.pool.get_stats()
