"""A pooled feed served from the page its build stored against the same pool diversified at the
call (what serving does when something dropped out of the pool), same users, rounds interleaved.

    python -m benchmarks.pool_page                       # 20k items / 10k users / 1M events
    python -m benchmarks.pool_page --rounds 10

Run it after ``benchmarks/serving.py`` on the same size, within the hour its pools stay valid:
it builds none. The "diversified at the call" rounds empty the sampled pools' stored pages
inside a transaction that is rolled back, so the pools are left as they were.
"""

from __future__ import annotations

import os

from app.db import connect
from benchmarks.common import call_latencies, percentiles, pool_ab_arguments, print_table
from benchmarks.serving import active_users

MODES = ("stored page", "diversified at the call")


def main() -> int:
    args, url = pool_ab_arguments(__doc__.splitlines()[0])
    with connect(url, autocommit=True) as conn:
        users = active_users(conn, args.sample)
        stored = conn.execute(
            "SELECT count(*) FROM pgrec.feed_pools AS p JOIN pgrec.users AS u ON u.id = p.user_id "
            "WHERE u.external_id = ANY (%s) AND p.strategy = rec._served_feed_strategy() "
            "AND p.built_at > now() - interval '1 hour' AND cardinality(p.page_ids) >= 20", (users,)).fetchone()[0]
        samples: dict[str, list[float]] = {mode: [] for mode in MODES}
        for n in range(args.rounds):
            for mode in (MODES if n % 2 == 0 else MODES[::-1]):
                with conn.transaction(force_rollback=True):
                    if mode == "diversified at the call":
                        conn.execute("UPDATE pgrec.feed_pools AS p SET page_ids = '{}', page_scores = '{}', page_reasons = '{}' "
                                     "FROM pgrec.users AS u WHERE u.id = p.user_id AND u.external_id = ANY (%s)", (users,))
                    samples[mode] += call_latencies(conn, "SELECT count(*) FROM rec.feed(%s, 20)", [(u,) for u in users])
    print(f"{len(users)} active users, {stored} with a valid pool and a stored page; {args.rounds} rounds; "
          f"load {os.getloadavg()[0]:.2f}")
    rows = [{"page": mode, **percentiles(xs)} for mode, xs in samples.items()]
    print_table("rec.feed(user, 20) from pools (ms)", rows, ["page", "n", "p50", "p99", "mean"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
