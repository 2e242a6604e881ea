"""Model fits at scale: wall time and memory of each model's refresh step, then the feed with
the models on.

    python -m benchmarks.models                       # 20k items, 10k users, 1M events (cached)
    python -m benchmarks.models --items 5000 --users 2000 --events 100000 --tune

Each fit runs the way the scheduler and ``pgrec refresh`` run it (``app.refresh.run_step``), in
a child process of its own so its peak resident memory (``ru_maxrss``) is that fit's alone;
the SQL step (itemknn) runs in the server, where its memory is bounded by its ``work_mem``
(256 MB) and the figure printed is the server backend's peak, read from /proc while it runs.
``--tune`` also times ``pgrec tune``. Then ``rec.feed`` p50/p99 for a sample of users with the
fitted models in the blend (strategy default, and the installation's blend).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import threading
import time

from app.db import connect
from benchmarks.common import bench_url, percentiles, sample_users


def _fit(url: str, step: str, out) -> None:
    from app.refresh import run_step

    os.environ["DATABASE_URL"] = url
    with connect(url) as conn:
        runner = conn.execute("SELECT runner FROM rec.refresh_status() WHERE step = %s", (step,)).fetchone()[0]
        pid = conn.info.backend_pid
        peak = {"kb": 0}
        stop = threading.Event()

        def watch() -> None:  # the server backend's resident memory while a SQL step runs
            path = f"/proc/{pid}/status"
            while not stop.wait(0.2):
                try:
                    with open(path) as f:
                        for line in f:
                            if line.startswith("VmRSS:"):
                                peak["kb"] = max(peak["kb"], int(line.split()[1]))
                except OSError:
                    return

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        started = time.perf_counter()
        run = run_step(conn, step, runner)
        seconds = time.perf_counter() - started
        stop.set()
        out.put({"step": step, "outcome": run.outcome, "detail": run.detail, "seconds": seconds,
                 "python_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                 "backend_peak_mb": peak["kb"] / 1024, "runner": runner})


def fit(url: str, step: str) -> dict:
    queue: multiprocessing.Queue = multiprocessing.Queue()
    child = multiprocessing.get_context("fork").Process(target=_fit, args=(url, step, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=300, help="users whose feeds are timed")
    parser.add_argument("--tune", action="store_true", help="also time pgrec tune")
    args = parser.parse_args()
    url = bench_url(args.items, args.users, args.events)
    with connect(url) as conn:
        events = conn.execute("SELECT count(*) FROM pgrec.events").fetchone()[0]
    print(f"dataset: {args.items} items, {args.users} users, {events} events; load {os.getloadavg()[0]:.2f}")
    print(f"{'step':10s} {'outcome':8s} {'seconds':>8s} {'python MB':>10s} {'backend MB':>11s}  detail")
    for step in ("stats", "itemknn", "ease", "als"):
        r = fit(url, step)
        print(f"{r['step']:10s} {r['outcome']:8s} {r['seconds']:8.1f} {r['python_peak_mb']:10.0f} "
              f"{r['backend_peak_mb']:11.0f}  {r['detail'] or ''}")
    with connect(url) as conn:
        for name, covered, metrics in conn.execute("SELECT name, items_covered, metrics FROM rec.models()"):
            keep = {k: metrics.get(k) for k in ("lambda", "regularization", "alpha", "pairs", "items") if metrics and k in metrics}
            print(f"  model {name}: {covered} items covered {json.dumps(keep)}")
    if args.tune:
        r = fit(url, "tune")
        print(f"{'tune':10s} {r['outcome']:8s} {r['seconds']:8.1f} {r['python_peak_mb']:10.0f} "
              f"{r['backend_peak_mb']:11.0f}  {r['detail'] or ''}")
    with connect(url) as conn:
        users = sample_users(conn, args.sample)
        for label, strategy in (("default", "default"), ("the installation's blend", None)):
            timings = []
            for user in users + users:  # the first pass warms the caches
                started = time.perf_counter()
                conn.execute("SELECT count(*) FROM rec.feed(%s, 20, 0, %s)", (user, strategy)).fetchone()
                timings.append((time.perf_counter() - started) * 1000)
            stats = percentiles(timings[len(users):])
            print(f"rec.feed(user, 20) {label:26s} p50 {stats['p50']:6.2f} ms  p99 {stats['p99']:6.2f} ms")
    print(f"load after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
