"""Shared set-up for benchmark scripts: a dedicated embedded server and cached datasets.

``bench_url(items, users, events)`` returns the URL of a database on the server in
``.pgdata-bench`` (or on ``DATABASE_URL``'s server) holding demo data of that size, loading it
the first time: items and users through the public ``rec`` functions, events by COPY straight
into ``pgrec.events`` (the event *load rate* through ``rec.track`` is what benchmarks/foundation.py
measures; here we only need the data), then every refresh step as ``pgrec refresh`` runs them
(embeddings and model fits included). Later calls reuse it, after
bringing it to the current schema with ``alembic upgrade head``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Sequence

import psycopg

from app import ROOT
from app.db import connect, start_embedded, with_database
from app.demo import Dataset, DemoSize, generate
from app.loader import batched, call_batches
from app.refresh import refresh
from app.schema import migrate

BENCH_DATA_DIR = Path(os.environ.get("PGREC_BENCH_DATA_DIR", ROOT / ".pgdata-bench"))


def server_url() -> str:
    """Maintenance-database URL of the benchmark server."""
    external = os.environ.get("DATABASE_URL")
    if external:
        return with_database(external, "postgres")
    return start_embedded(BENCH_DATA_DIR)


def load_average() -> str:
    """``uptime``'s 1/5/15-minute load averages ("0.36, 0.14, 0.05"): figures are reported with
    the load they were measured under, the machine being shared."""
    out = subprocess.run(["uptime"], capture_output=True, text=True).stdout
    return out.split("load average:")[-1].strip()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def fresh_database(name: str) -> str:
    """Drop and create ``name`` on the bench server, migrate it, return its URL."""
    admin = server_url()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    url = with_database(admin, name)
    migrate(url)
    return url


def copy_events(conn: psycopg.Connection, ds: Dataset, batch_size: int = 50_000) -> int:
    """COPY the dataset's events into pgrec.events, mapping external ids to internal keys: into
    their monthly partitions (made first) and with their ids in pgrec.event_ids, as rec.track
    would have stored them."""
    conn.execute("SELECT rec.create_event_partitions(%s::timestamptz - make_interval(days => %s), %s)",
                 (ds.now, ds.size.days + 1, ds.now))
    users = dict(conn.execute("SELECT external_id, id FROM pgrec.users").fetchall())
    items = dict(conn.execute("SELECT external_id, id FROM pgrec.items").fetchall())
    total = 0
    with conn.cursor() as cur:
        for batch in ds.events(batch_size):
            with cur.copy("COPY pgrec.events (event_id, user_id, item_id, type, value, context, occurred_at) "
                          "FROM STDIN") as copy:
                for e in batch:
                    copy.write_row((e["event_id"], users[e["user_id"]], items[e["item_id"]], e["type"],
                                    e.get("value"), json.dumps(e["context"]) if e.get("context") else None,
                                    e["at"]))
            total += len(batch)
    conn.execute("INSERT INTO pgrec.event_ids (user_id, event_id, occurred_at) "
                 "SELECT user_id, event_id, occurred_at FROM pgrec.events WHERE event_id IS NOT NULL "
                 "ON CONFLICT DO NOTHING")
    return total


def load(url: str, size: DemoSize, now: datetime) -> dict[str, float]:
    """Load a generated dataset: items/users via rec.*, events via COPY, then every refresh step."""
    ds = generate(size, now=now)
    timings: dict[str, float] = {}
    with connect(url) as conn:
        started = time.perf_counter()
        call_batches(conn, "upsert_items", batched(ds.items, 1000))
        call_batches(conn, "upsert_users", batched(ds.users, 1000))
        timings["items_users_s"] = time.perf_counter() - started
        started = time.perf_counter()
        timings["events"] = copy_events(conn, ds)
        timings["copy_s"] = time.perf_counter() - started
        conn.execute("VACUUM ANALYZE pgrec.events")
        # What `pgrec refresh` runs: the SQL steps and the Python ones (embeddings, model fits),
        # which rec.refresh('all') only reports as skipped.
        started = time.perf_counter()
        refresh(conn, "all")
        timings["refresh_s"] = time.perf_counter() - started
        conn.execute("ANALYZE")
    return timings


def bench_url(items: int, users: int, events: int, seed: int = 42) -> str:
    """URL of a database with demo data of this size, loaded once and then reused."""
    name = f"bench_{items}_{users}_{events}_{seed}"
    admin = server_url()
    url = with_database(admin, name)
    # One loader per size at a time: a second benchmark started meanwhile waits here and then
    # reuses the data, instead of dropping the database the first one is still loading.
    with psycopg.connect(admin, autocommit=True) as lock:
        lock.execute("SELECT pg_advisory_lock(hashtext('pgrec.bench'), hashtext(%s))", (name,))
        exists = lock.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            migrate(url)  # bring a cached dataset to the current schema and API
            with connect(url) as conn:
                if conn.execute("SELECT 1 FROM pgrec.meta WHERE key = 'bench_loaded'").fetchone():
                    return url
        log(f"loading benchmark dataset {name} (once; cached afterwards)")
        url = fresh_database(name)
        timings = load(url, DemoSize(items=items, users=users, events=events, seed=seed),
                       now=datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0))
        with connect(url) as conn:
            conn.execute("INSERT INTO pgrec.meta (key, value) VALUES ('bench_loaded', %s)", (json.dumps(timings),))
        log(f"loaded {name}: {timings}")
        return url


def percentiles(samples_ms: Sequence[float]) -> dict[str, float]:
    """p50/p99/mean of latencies in milliseconds."""
    ordered = sorted(samples_ms)
    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]
    return {"p50": pct(50), "p99": pct(99), "mean": statistics.fmean(ordered), "n": len(ordered)}


def call_latencies(conn: psycopg.Connection, sql: str, params: Iterable[tuple], warmup: int = 20) -> list[float]:
    """Run ``sql`` once per params tuple (after a warm-up on the first ``warmup``): milliseconds each."""
    params = list(params)
    for p in params[:warmup]:
        conn.execute(sql, p).fetchall()
    samples = []
    for p in params:
        started = time.perf_counter()
        conn.execute(sql, p).fetchall()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def time_calls(conn: psycopg.Connection, sql: str, params: Iterable[tuple], warmup: int = 20) -> dict[str, float]:
    """Run ``sql`` once per params tuple (after a warm-up) and return latency percentiles."""
    return percentiles(call_latencies(conn, sql, params, warmup))


def replay_at_last_event(url: str) -> str:
    """Set ``PGOPTIONS`` so every connection opened from here on — this process's and the
    processes it starts, the API's too — replays at the dataset's last event (``rec.as_of``),
    the clock its pools were built for; returns that clock."""
    with connect(url) as conn:
        as_of = conn.execute("SELECT max(occurred_at)::text FROM pgrec.events").fetchone()[0]
    os.environ["PGOPTIONS"] = f"-c rec.as_of={as_of.replace(' ', 'T')}"
    return as_of


def pool_ab_arguments(description: str) -> tuple[argparse.Namespace, str]:
    """The arguments of an A/B run on the pools benchmarks/serving.py built (dataset size,
    sampled users, interleaved rounds), and the dataset's URL, with the clock set to replay at
    its last event (:func:`replay_at_last_event`)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    url = bench_url(args.items, args.users, args.events)
    replay_at_last_event(url)
    return args, url


def catch_up(conn: psycopg.Connection) -> None:
    """Run once the refresh steps that never ran on this database: a cached dataset may predate
    steps added since it was loaded (migrations add the step, not its data)."""
    for (step,) in conn.execute("SELECT step FROM rec.freshness() WHERE last_ok_at IS NULL").fetchall():
        log(f"refreshing {step} (never run on this dataset)")
        refresh(conn, step)


def sample_users(conn: psycopg.Connection, n: int, seed: float = 0.42) -> list[str]:
    """A deterministic sample of user ids that have events."""
    conn.execute("SELECT setseed(%s)", (seed,))
    return [r[0] for r in conn.execute(
        "SELECT u.external_id FROM pgrec.users u WHERE EXISTS (SELECT FROM pgrec.events e WHERE e.user_id = u.id) "
        "ORDER BY random() LIMIT %s", (n,)).fetchall()]


def print_table(title: str, rows: list[dict], columns: Sequence[str]) -> None:
    """A plain fixed-width table on stdout (the figures a benchmark reports)."""
    print(f"\n{title}")
    widths = [max(len(c), *(len(_fmt(r.get(c))) for r in rows)) for c in columns]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for r in rows:
        print("  ".join(_fmt(r.get(c)).ljust(w) for c, w in zip(columns, widths)))


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return "" if value is None else str(value)

