"""Load datasets into pgrec through the public SQL API, like any client would."""

from __future__ import annotations

import json
from datetime import datetime, timezone
import time
from typing import Iterable, Iterator

import psycopg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from app.db import connect
from app.demo import Dataset, DemoSize, generate

BATCH = 5000


def database_is_empty(conn: psycopg.Connection) -> bool:
    """True when pgrec holds no items yet."""
    return conn.execute("SELECT NOT EXISTS (SELECT FROM pgrec.items)").fetchone()[0]


def batched(rows: list[dict], size: int) -> Iterator[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def call_batches(conn: psycopg.Connection, function: str, batches: Iterable[list[dict]],
                 progress: Progress | None = None, task=None) -> int:
    """Send each batch to ``rec.<function>(jsonb)``; returns the sum of what it returned."""
    total = 0
    for batch in batches:
        total += conn.execute(f"SELECT rec.{function}(%s::jsonb)", (json.dumps(batch),)).fetchone()[0]
        if progress is not None:
            progress.advance(task, len(batch))
    return total


def load_dataset(url: str, ds: Dataset, console: Console | None = None, refresh: bool = True) -> dict[str, float]:
    """Items, users, then events (in time order), then a full refresh. Returns timings."""
    console = console or Console(stderr=True)
    timings: dict[str, float] = {}
    columns = (TextColumn("{task.description:>8}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with connect(url) as conn, Progress(*columns, console=console, transient=False) as progress:
        started = time.perf_counter()
        task = progress.add_task("items", total=len(ds.items))
        call_batches(conn, "upsert_items", batched(ds.items, 1000), progress, task)
        task = progress.add_task("users", total=len(ds.users))
        call_batches(conn, "upsert_users", batched(ds.users, 1000), progress, task)
        timings["items_users_s"] = time.perf_counter() - started

        started = time.perf_counter()
        task = progress.add_task("events", total=ds.size.events)
        timings["events"] = call_batches(conn, "track", ds.events(BATCH), progress, task)
        timings["events_s"] = time.perf_counter() - started

        if refresh:
            started = time.perf_counter()
            task = progress.add_task("refresh", total=None)
            conn.execute("SELECT * FROM rec.refresh('all')").fetchall()
            progress.update(task, total=1, completed=1)
            timings["refresh_s"] = time.perf_counter() - started
    return timings


def load_demo(url: str, size: DemoSize, console: Console | None = None) -> dict[str, float]:
    """Generate the synthetic demo dataset and load it."""
    console = console or Console(stderr=True)
    console.print(f"demo data: {size.items} items, {size.users} users, {size.events} events (seed {size.seed})")
    # Real "now": the demo should look alive today (recent events, trending items).
    return load_dataset(url, generate(size, now=datetime.now(timezone.utc)), console=console)
