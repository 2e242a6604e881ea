"""Refresh cost: a full rebuild of every SQL step against incremental runs after N new events.

    python -m benchmarks.refresh                                   # 100k items, 50k users, 5M events
    python -m benchmarks.refresh --items 20000 --users 10000 --events 1000000 --added 1000,10000,100000

On a copy of the cached benchmark dataset (``benchmarks.common.bench_url``; the copy is dropped
afterwards, the cached data is left as it was), prints:

* the full rebuild: ``rec.refresh('all', full => true)``, seconds per SQL step (the model fits
  EASE and ALS are Python steps, timed by benchmarks/models.py, and rebuild on every run);
* for each N in ``--added``: N new events written through ``rec.track`` (batches of 1,000, by
  users and on items drawn from the dataset, dated in the last hour), then ``rec.refresh('all')``
  — each step continues from its last run — with seconds per step, the mode the run log
  records and its detail (what the step recomputed; for itemknn also how many rows it left
  with a changed degree, its approximation);
* a table of cost versus events added: every SQL step together, incremental against full, and
  the same without feed_pools (which rebuilds up to 1,000 active users' pools per run whatever
  changed: its cost follows active users, not events).

Each incremental round starts from a state where every step is current (the round before, or
the full rebuild), so a round's figures are the cost of those N events alone.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import datetime, timedelta, timezone

import psycopg

from app.db import connect, with_database
from app.loader import batched
from benchmarks.common import bench_url, log, print_table, server_url

TYPES = ["view"] * 6 + ["click"] * 3 + ["like", "save", "share", "complete", "dismiss"]


def refresh(conn: psycopg.Connection, full: bool) -> list[dict]:
    """``rec.refresh('all', full)``: one row per SQL step with the run log's detail."""
    started = time.perf_counter()
    rows = conn.execute("SELECT step, outcome, rows, seconds FROM rec.refresh('all', %s)", (full,)).fetchall()
    wall = time.perf_counter() - started
    out = []
    for step, outcome, written, seconds in rows:
        if outcome == "skipped":
            continue  # Python steps (embeddings, ease, als)
        detail = conn.execute("SELECT detail FROM pgrec.refresh_runs WHERE step = %s ORDER BY id DESC LIMIT 1",
                              (step,)).fetchone()[0] or ""
        out.append({"step": step, "outcome": outcome, "rows": written, "seconds": seconds,
                    "mode": "full" if detail.startswith("full") or full else
                            "incremental" if detail.startswith("incremental") else "every run",
                    "detail": detail[:110]})
    out.append({"step": "all SQL steps", "seconds": wall})
    return out


def add_events(conn: psycopg.Connection, n: int, rng: random.Random) -> float:
    """Write ``n`` new events through rec.track; returns seconds."""
    users = [r[0] for r in conn.execute("SELECT external_id FROM pgrec.users ORDER BY id")]
    items = [r[0] for r in conn.execute("SELECT external_id FROM pgrec.items WHERE status = 'active' ORDER BY id")]
    now = datetime.now(timezone.utc)
    events = [{"user_id": rng.choice(users), "item_id": rng.choice(items), "type": rng.choice(TYPES),
               "at": (now - timedelta(seconds=rng.uniform(0, 3600))).isoformat()} for _ in range(n)]
    started = time.perf_counter()
    for batch in batched(events, 1000):
        conn.execute("SELECT rec.track(%s::jsonb)", (json.dumps(batch),))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--added", default="1000,10000,100000",
                        help="comma-separated numbers of new events, one incremental round each")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    added = [int(n) for n in args.added.split(",") if n.strip()]

    source = bench_url(args.items, args.users, args.events)
    source_name = psycopg.conninfo.conninfo_to_dict(source)["dbname"]
    admin = server_url()
    name = "bench_refresh_copy"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        log(f"copying {source_name} ...")
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {source_name}")
    url = with_database(admin, name)
    rng = random.Random(args.seed)
    summary = []
    try:
        with connect(url) as conn:
            conn.execute("ANALYZE")
            log("full rebuild ...")
            full = refresh(conn, full=True)
            print_table(f"full rebuild, {args.items} items / {args.users} users / {args.events} events", full,
                        ["step", "rows", "seconds", "detail"])
            full_total = full[-1]["seconds"]
            full_derived = sum(r["seconds"] for r in full[:-1] if r["step"] != "feed_pools")
            total_added = 0
            for n in added:
                log(f"{n} new events ...")
                track_s = add_events(conn, n, rng)
                total_added += n
                runs = refresh(conn, full=False)
                print_table(f"incremental after {n} new events (rec.track: {n / track_s:.0f} events/s)", runs,
                            ["step", "mode", "rows", "seconds", "detail"])
                derived = sum(r["seconds"] for r in runs[:-1] if r["step"] != "feed_pools")
                summary.append({"events added": n, "incremental s": runs[-1]["seconds"], "full s": full_total,
                                "incremental / full": runs[-1]["seconds"] / full_total,
                                "without feed_pools s": derived, "full without feed_pools s": full_derived,
                                **{f"{r['step']} s": r["seconds"] for r in runs[:-1]}})
            print_table("refresh cost versus events added (every SQL step together)", summary,
                        ["events added", "incremental s", "full s", "incremental / full"]
                        + [k for k in summary[0] if k.endswith(" s") and k not in ("incremental s", "full s")]
                        if summary else ["events added"])
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
