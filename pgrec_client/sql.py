"""The SQL transport: calls ``rec`` functions through psycopg 3.

Takes a connection or a ``psycopg_pool`` pool, sync or async. With a pool each call borrows a
connection for one statement (the pool commits it). With a connection the call runs in that
connection's current transaction, so a host app can write its own rows and ``track`` the
event in one transaction, and commits (or runs in autocommit) as it always does; a failed call
aborts that transaction like any failed statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any, AsyncIterator, Iterator, Union

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from pgrec_client.calls import Call
from pgrec_client.errors import InvalidInput, PgrecError, Unavailable, error_for_sqlstate, field_of

try:  # the pool is optional: a host app may hand over plain connections
    from psycopg_pool import AsyncConnectionPool, ConnectionPool
except ImportError:  # pragma: no cover
    ConnectionPool = AsyncConnectionPool = None  # type: ignore[assignment,misc]

SyncSource = Union[psycopg.Connection, "ConnectionPool"]
AsyncSource = Union[psycopg.AsyncConnection, "AsyncConnectionPool"]


def parameters(call: Call, args: dict[str, Any]) -> dict[str, Any]:
    """The arguments given (``None`` = left out, so the SQL default applies; a required one is
    sent as NULL), adapted to the types the statement casts them to."""
    types = dict(call.args)
    required = call.required_names
    given: dict[str, Any] = {}
    for name, value in args.items():
        if value is None:
            if name in required:  # NULL: the function reports the missing value itself
                given[name] = None
            continue
        kind = types[name]
        if kind == "jsonb":
            value = Jsonb(value)
        elif kind == "public.vector" and not isinstance(value, str):
            # pgvector's text form; no adapter has to be registered on the host's connections.
            value = "[" + ",".join(repr(float(x)) for x in value) + "]"
        elif kind.endswith("[]") and not isinstance(value, str) and isinstance(value, Sequence):
            value = list(value)
        given[name] = value
    return given


def database_error(exc: Exception, params: set[str]) -> PgrecError:
    """The client exception for a psycopg (or pool) error."""
    if isinstance(exc, UnicodeError):
        return InvalidInput("a text value is not valid Unicode", code=None)
    assert isinstance(exc, psycopg.Error)
    sqlstate = exc.sqlstate
    if sqlstate:
        cls = error_for_sqlstate(sqlstate)
    elif isinstance(exc, psycopg.DataError):  # refused before it reached the server (a NUL in text)
        cls = InvalidInput
    elif isinstance(exc, psycopg.OperationalError):  # connection refused or lost, pool timeout
        cls = Unavailable
    else:
        cls = PgrecError
    diag = exc.diag
    message = diag.message_primary or str(exc).strip() or type(exc).__name__
    return cls(message, code=sqlstate, field=field_of(message, params), hint=diag.message_hint or None,
               detail=diag.message_detail or None)


def _result(call: Call, rows: list[dict[str, Any]]) -> Any:
    if call.columns:
        return rows
    return next(iter(rows[0].values())) if rows else None


class SqlTransport:
    """Runs calls on a ``psycopg.Connection`` or a ``psycopg_pool.ConnectionPool``."""

    def __init__(self, source: SyncSource) -> None:
        if not isinstance(source, psycopg.Connection) and not (ConnectionPool and isinstance(source, ConnectionPool)):
            raise TypeError(f"expected a psycopg Connection or ConnectionPool, got {type(source).__name__}")
        self.source = source

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        if isinstance(self.source, psycopg.Connection):
            yield self.source
        else:
            with self.source.connection() as conn:
                yield conn

    def run(self, call: Call, args: dict[str, Any]) -> Any:
        """Rows (dicts) of a table function, or the value of a scalar one."""
        given = parameters(call, args)
        try:
            with self._connection() as conn, conn.cursor(row_factory=dict_row) as cur:
                cur.execute(call.statement(set(given)), given)
                return _result(call, cur.fetchall())
        except (psycopg.Error, UnicodeError) as exc:
            raise database_error(exc, set(given)) from exc

    def close(self) -> None:
        """Nothing to close: the connection or pool belongs to the caller."""


class AsyncSqlTransport:
    """Runs calls on a ``psycopg.AsyncConnection`` or a ``psycopg_pool.AsyncConnectionPool``."""

    def __init__(self, source: AsyncSource) -> None:
        if not isinstance(source, psycopg.AsyncConnection) and not (
                AsyncConnectionPool and isinstance(source, AsyncConnectionPool)):
            raise TypeError(f"expected a psycopg AsyncConnection or AsyncConnectionPool, got {type(source).__name__}")
        self.source = source

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        if isinstance(self.source, psycopg.AsyncConnection):
            yield self.source
        else:
            async with self.source.connection() as conn:
                yield conn

    async def run(self, call: Call, args: dict[str, Any]) -> Any:
        given = parameters(call, args)
        try:
            async with self._connection() as conn, conn.cursor(row_factory=dict_row) as cur:
                await cur.execute(call.statement(set(given)), given)
                return _result(call, await cur.fetchall())
        except (psycopg.Error, UnicodeError) as exc:
            raise database_error(exc, set(given)) from exc

    async def close(self) -> None:
        """Nothing to close: the connection or pool belongs to the caller."""
