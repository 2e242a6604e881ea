"""Helpers shared by the test_feeds_* modules (issue 4): building small worlds at a fixed time.

No tests here; pytest collects the module and finds none.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

import psycopg

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
DIM = 384


def iso(moment: datetime) -> str:
    return moment.isoformat()


def ago(**delta: float) -> str:
    """An ISO timestamp that long before NOW: ago(hours=3)."""
    return iso(NOW - timedelta(**delta))


def at_now(conn: psycopg.Connection, moment: datetime = NOW) -> None:
    """Replay at a fixed time for the rest of the test transaction."""
    conn.execute("SELECT set_config('rec.as_of', %s, true)", (iso(moment),))


def upsert_items(conn: psycopg.Connection, items: list[dict]) -> None:
    conn.execute("SELECT rec.upsert_items(%s::jsonb)", (json.dumps(items),))


def upsert_users(conn: psycopg.Connection, users: list[dict]) -> None:
    conn.execute("SELECT rec.upsert_users(%s::jsonb)", (json.dumps(users),))


def track(conn: psycopg.Connection, events: list[dict]) -> None:
    conn.execute("SELECT rec.track(%s::jsonb)", (json.dumps(events),))


def likes(item: str, users: Iterable[str], when: str, type_: str = "like") -> list[dict]:
    return [{"user_id": u, "item_id": item, "type": type_, "at": when} for u in users]


def rows(conn: psycopg.Connection, sql: str, params: Any = ()) -> list[tuple]:
    return conn.execute(sql, params).fetchall()


def ids(result: list[tuple]) -> list[str]:
    """item ids of a feed-like result (item_id is the first column, or the second with a step)."""
    return [r[1] if isinstance(r[0], int) else r[0] for r in result]


def vec(**weights: float) -> str:
    """A hand-made embedding in pgvector text form: vec(d0=1, d5=0.5) sets dimensions 0 and 5."""
    values = [0.0] * DIM
    for key, value in weights.items():
        values[int(key[1:])] = value
    return "[" + ",".join(repr(v) for v in values) + "]"


def set_embedding(conn: psycopg.Connection, item: str, embedding: str) -> None:
    conn.execute("UPDATE pgrec.items SET embedding = %s::public.vector WHERE external_id = %s", (embedding, item))


def assert_ranked(result: list[tuple]) -> None:
    """Scores best first, ties in item id order."""
    keys = [(-r[1], r[0]) for r in result]
    assert keys == sorted(keys)
