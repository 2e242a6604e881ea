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


def login_role(server_url: str, role: str, member_of: str) -> None:
    """A LOGIN role that is a member of ``member_of`` only (roles are cluster-wide: created once, kept)."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                    CREATE ROLE {role} LOGIN;
                END IF;
            END $$""")
        conn.execute(f"GRANT {member_of} TO {role}")


def as_role(url: str, role: str) -> str:
    """The same database as ``url``, connecting as ``role`` (trust authentication, no password)."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["user"] = role
    info.pop("password", None)
    return psycopg.conninfo.make_conninfo(**info)
