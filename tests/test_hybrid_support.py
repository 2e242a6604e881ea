"""Helpers shared by the hybrid feed tests (issue 3); no tests here."""

from __future__ import annotations

import json
from typing import Any

import psycopg

NOW = "2026-06-01T12:00:00+00:00"
DIM = 384


def at(conn: psycopg.Connection, now: str = NOW) -> None:
    """Replay the rest of the test's transaction at ``now``."""
    conn.execute("SELECT set_config('rec.as_of', %s, true)", (now,))


def vec(**axes: float) -> str:
    """A 384-d vector literal with the given components, e.g. vec(a0=1, a5=0.2)."""
    values = [0.0] * DIM
    for key, value in axes.items():
        values[int(key[1:])] = value
    return "[" + ",".join(str(v) for v in values) + "]"


def embed(conn: psycopg.Connection, item: str, vector: str) -> None:
    conn.execute("UPDATE pgrec.items SET embedding = %s::text::public.vector WHERE external_id = %s", (vector, item))


def rows(conn: psycopg.Connection, user: str, n: int = 20, offset: int = 0, strategy: str = "default",
         weights: dict | None = None) -> list[tuple[str, float, dict]]:
    return conn.execute("SELECT item_id, score, reasons FROM rec.feed(%s, %s, %s, %s, %s)",
                        (user, n, offset, strategy, None if weights is None else json.dumps(weights))).fetchall()


def ids(conn: psycopg.Connection, user: str, n: int = 50, **kwargs: Any) -> list[str]:
    return [r[0] for r in rows(conn, user, n, **kwargs)]


def explain(conn: psycopg.Connection, user: str, item: str, strategy: str = "default") -> dict:
    return conn.execute("SELECT rec.explain(%s, %s, %s)", (user, item, strategy)).fetchone()[0]


def status(conn: psycopg.Connection, user: str) -> dict:
    return conn.execute("SELECT rec.status(%s)", (user,)).fetchone()[0]


def before(order: list[str], a: str, b: str) -> bool:
    """a is ranked above b (both present)."""
    assert a in order and b in order, (a, b, order)
    return order.index(a) < order.index(b)
