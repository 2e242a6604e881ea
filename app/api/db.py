"""How the API reaches PostgreSQL: a psycopg pool and one method per kind of result.

The pool comes from :func:`app.db.make_pool` (pgvector registered on every connection). Each
connection carries a statement timeout and an application name, so a DBA sees the API's
sessions in ``pg_stat_activity`` and a runaway call cannot hold a connection forever. A
connection is checked when taken from the pool, so after a database restart the first
requests get fresh connections instead of broken ones.
"""

from __future__ import annotations

import threading
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from app import db as app_db
from app.api.queries import Call
from app.settings import Settings


def api_conninfo(settings: Settings) -> str:
    """The URL the API connects with, plus its application name and statement timeout."""
    url = settings.api_database_url or app_db.database_url()
    info = psycopg.conninfo.conninfo_to_dict(url)
    options = " ".join(filter(None, [str(info.get("options") or ""),
                                     f"-c statement_timeout={settings.api_statement_timeout_ms}"]))
    return psycopg.conninfo.make_conninfo(url, application_name=info.get("application_name") or "pgrec-api",
                                          options=options)


def open_pool(settings: Settings, conninfo: str | None = None) -> ConnectionPool:
    """A pool for the API; opening does not wait for the database (readyz tells when it is up)."""
    return app_db.make_pool(
        conninfo or api_conninfo(settings),
        name="pgrec-api",
        timeout=settings.api_pool_timeout,
        check=ConnectionPool.check_connection,
        open=False,
    )


class Database:
    """Runs :class:`~app.api.queries.Call` statements through the pool."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool
        # Statements sent, for pgrec_db_queries_total and for tests that check a request costs
        # no query (invented API keys, cached readiness).
        self.queries = 0
        self._count_lock = threading.Lock()

    def _counted(self) -> None:
        with self._count_lock:
            self.queries += 1

    def open(self) -> None:
        self.pool.open(wait=False)

    def close(self) -> None:
        # Waits for connections in use to come back, so in-flight requests finish (graceful
        # shutdown), then closes them all.
        self.pool.close(timeout=10)

    def rows(self, call: Call, params: dict[str, Any], *, no_timeout: bool = False) -> list[dict[str, Any]]:
        """All rows of a table function, as dicts keyed by column name."""
        given = {k: v for k, v in params.items() if v is not None}
        self._counted()
        with self.pool.connection() as conn:
            with conn.cursor(row_factory=dict_row) as cur:
                if no_timeout:
                    with conn.transaction():
                        cur.execute("SET LOCAL statement_timeout = 0")
                        cur.execute(call.statement(given), given)
                        return cur.fetchall()
                cur.execute(call.statement(given), given)
                return cur.fetchall()

    def value(self, call: Call, params: dict[str, Any]) -> Any:
        """The single value a scalar function returns."""
        given = {k: v for k, v in params.items() if v is not None}
        self._counted()
        with self.pool.connection() as conn:
            row = conn.execute(call.statement(given), given).fetchone()
        return row[0] if row else None

    def stats(self) -> dict[str, int]:
        return self.pool.get_stats()
