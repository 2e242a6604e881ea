"""Foundation benchmark: load rate, refresh time and feed latency at a realistic size.

    .venv/bin/python -m benchmarks.foundation [--items 20000 --users 10000 --events 1000000]

Prints: events/s through rec.track batches and, for comparison, raw COPY into pgrec.events of
the same events in the same run; rec.refresh() time; rec.feed p50/p99 over 500 users.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timezone

from app.db import connect
from app.demo import DemoSize, generate
from app.loader import BATCH, batched, call_batches
from benchmarks.common import copy_events, fresh_database, log, print_table, sample_users, time_calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--feed-users", type=int, default=500)
    args = parser.parse_args()

    size = DemoSize(items=args.items, users=args.users, events=args.events)
    ds = generate(size, now=datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0))
    url = fresh_database("bench_foundation")
    results = []
    with connect(url) as conn:
        started = time.perf_counter()
        call_batches(conn, "upsert_items", batched(ds.items, 1000))
        call_batches(conn, "upsert_users", batched(ds.users, 1000))
        elapsed = time.perf_counter() - started
        results.append({"what": "upsert items+users", "rows": len(ds.items) + len(ds.users),
                        "seconds": elapsed, "rows/s": (len(ds.items) + len(ds.users)) / elapsed})

        # The months of the history, so the events go straight into their partitions.
        conn.execute("SELECT rec.create_event_partitions(%s::timestamptz - make_interval(days => %s), %s)",
                     (ds.now, size.days + 1, ds.now))
        log(f"rec.track: {size.events} events in batches of {BATCH}")
        started = time.perf_counter()
        tracked = call_batches(conn, "track", ds.events(BATCH))
        elapsed = time.perf_counter() - started
        results.append({"what": f"rec.track (batches of {BATCH})", "rows": tracked, "seconds": elapsed,
                        "rows/s": tracked / elapsed})

        log("raw COPY of the same events")
        conn.execute("TRUNCATE pgrec.events, pgrec.event_ids")
        started = time.perf_counter()
        copied = copy_events(conn, ds)
        elapsed = time.perf_counter() - started
        results.append({"what": "COPY into pgrec.events", "rows": copied, "seconds": elapsed, "rows/s": copied / elapsed})
        conn.execute("VACUUM ANALYZE pgrec.events")

        log("rec.refresh('all')")
        started = time.perf_counter()
        steps = conn.execute("SELECT step, outcome, rows, seconds FROM rec.refresh('all')").fetchall()
        elapsed = time.perf_counter() - started
        for step, outcome, rows, seconds in steps:
            results.append({"what": f"refresh step {step} ({outcome})", "rows": rows, "seconds": seconds})
        results.append({"what": "rec.refresh('all')", "seconds": elapsed})
        conn.execute("ANALYZE")

        users = sample_users(conn, args.feed_users)
        latency = time_calls(conn, "SELECT * FROM rec.feed(%s, 20)", [(u,) for u in users])
    print_table(f"pgrec foundation benchmark: {size.items} items, {size.users} users, {size.events} events",
                results, ["what", "rows", "seconds", "rows/s"])
    print_table(f"rec.feed(user, 20) over {latency['n']} users (ms)", [latency], ["p50", "p99", "mean", "n"])


if __name__ == "__main__":
    main()
