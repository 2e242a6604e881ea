"""Small helpers shared by the SQL tests."""

from __future__ import annotations

import json
from typing import Any, Callable

import psycopg
import pytest


def call(conn: psycopg.Connection, function: str, payload: Any) -> Any:
    """``SELECT rec.<function>(payload::jsonb)`` and return the scalar result."""
    return conn.execute(f"SELECT rec.{function}(%s::jsonb)", (json.dumps(payload),)).fetchone()[0]


def sqlstate_of(conn: psycopg.Connection, action: Callable[[], Any]) -> psycopg.Error:
    """Run ``action`` inside a savepoint and return the error it must raise."""
    with pytest.raises(psycopg.Error) as info:
        with conn.transaction():
            action()
    return info.value


def feed(conn: psycopg.Connection, user: str, n: int = 20, offset: int = 0, strategy: str = "default") -> list[tuple]:
    return conn.execute("SELECT item_id, score, reasons FROM rec.feed(%s, %s, %s, %s)",
                        (user, n, offset, strategy)).fetchall()


def feed_ids(conn: psycopg.Connection, user: str, n: int = 20, **kwargs: Any) -> list[str]:
    return [row[0] for row in feed(conn, user, n, **kwargs)]


def refresh(conn: psycopg.Connection, what: str = "all") -> dict[str, str]:
    return {step: outcome for step, outcome, *_ in conn.execute("SELECT * FROM rec.refresh(%s)", (what,)).fetchall()}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``condition`` until it returns something true; a bounded wait for another process,
    not a timing assertion."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)
