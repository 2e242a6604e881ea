"""Profile, track and rank latency at 100k items / 50k users / 5M events.

    .venv/bin/python benchmarks/profiles.py                 # the cached benchmark dataset (benchmarks/common.py)
    .venv/bin/python benchmarks/profiles.py --url URL       # any loaded pgrec database

Prints p50/p99 of
* ``rec.profile(user)`` over a sample of users (target p50 <= 10 ms);
* ``rec.track`` of one event, a view with a dwell time, including its profile effect (the
  profile's interests and version are updated in the same call; target p50 <= 20 ms), each
  call committed as an application's would be;
* ``rec.rank(user, 1,000 ids)``: the user's candidates drawn at random from the catalogue
  (target p50 <= 30 ms, p99 <= 100 ms).
The tracked events are real rows in the benchmark database (marked ``context.benchmark``).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import bench_url, percentiles, print_table, sample_users, time_calls  # noqa: E402

from app.db import connect  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="benchmark this loaded database instead of the cached dataset")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--sample", type=int, default=300, help="users timed per call")
    parser.add_argument("--rank-ids", type=int, default=1000)
    args = parser.parse_args(argv)

    url = args.url or bench_url(args.items, args.users, args.events)
    rng = random.Random(42)
    rows = []
    with connect(url) as conn:
        conn.autocommit = True
        size = conn.execute("SELECT (SELECT count(*) FROM pgrec.items), (SELECT count(*) FROM pgrec.users), "
                            "(SELECT count(*) FROM pgrec.events)").fetchone()
        users = sample_users(conn, args.sample)
        items = [r[0] for r in conn.execute("SELECT external_id FROM pgrec.items WHERE status = 'active'")]

        stats = time_calls(conn, "SELECT rec.profile(%s)", [(u,) for u in users])
        rows.append({"query": "rec.profile(user)", **stats})

        samples = []
        for u in users:
            event = ('[{"event_id": "bench-%s", "user_id": "%s", "item_id": "%s", "type": "view", "value": %d, '
                     '"context": {"scroll_depth": 0.6, "benchmark": true}}]'
                     % (uuid.uuid4().hex, u, rng.choice(items), rng.randint(1, 240)))
            started = time.perf_counter()
            conn.execute("SELECT rec.track(%s::jsonb)", (event,)).fetchone()
            samples.append((time.perf_counter() - started) * 1000)
        rows.append({"query": "rec.track(one view with dwell), committed", **percentiles(samples)})

        candidates = [(u, rng.sample(items, min(args.rank_ids, len(items)))) for u in users]
        stats = time_calls(conn, "SELECT * FROM rec.rank(%s, %s)", candidates)
        rows.append({"query": f"rec.rank(user, {args.rank_ids} ids)", **stats})
    print(f"dataset: {size[0]} items, {size[1]} users, {size[2]} events; {len(users)} users sampled")
    print_table("profile, track and rank latency (ms)", rows, ["query", "p50", "p99", "mean", "n"])
    print("targets: profile p50 <= 10 ms; track p50 <= 20 ms; rank of 1,000 ids p50 <= 30 ms, p99 <= 100 ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
