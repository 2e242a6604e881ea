"""The pooled feed planned once (generic plan, the default on one node) against re-planned on
every call (custom plans, what Citus needs), on the same pools and users, rounds interleaved.

    python -m benchmarks.plan_cache                      # 20k items / 10k users / 1M events
    python -m benchmarks.plan_cache --rounds 10

Run it after ``benchmarks/serving.py`` on the same size, within the hour its pools stay valid:
it builds none, and a call whose user has no valid pool takes the full pipeline (counted and
printed). It switches ``plan_cache_mode`` on ``rec._pooled_feed`` with ALTER FUNCTION and
leaves it as the installation sets it.
"""

from __future__ import annotations

import os

from app.db import connect
from benchmarks.common import call_latencies, percentiles, pool_ab_arguments, print_table
from benchmarks.serving import active_users

FUNCTION = "rec._pooled_feed(text, text, integer, integer)"
MODES = {"generic (one node)": f"ALTER FUNCTION {FUNCTION} SET plan_cache_mode = force_generic_plan",
         "custom (Citus)": f"ALTER FUNCTION {FUNCTION} RESET plan_cache_mode"}


def main() -> int:
    args, url = pool_ab_arguments(__doc__.splitlines()[0])
    with connect(url) as admin, connect(url) as conn:
        original = admin.execute("SELECT proconfig FROM pg_proc WHERE oid = %s::regprocedure", (FUNCTION,)).fetchone()[0]
        users = active_users(conn, args.sample)
        pooled = conn.execute(
            "SELECT count(*) FROM pgrec.feed_pools AS p JOIN pgrec.users AS u ON u.id = p.user_id "
            "WHERE u.external_id = ANY (%s) AND p.strategy = rec._served_feed_strategy() "
            "AND p.built_at > now() - interval '1 hour'", (users,)).fetchone()[0]
        samples: dict[str, list[float]] = {mode: [] for mode in MODES}
        try:
            for n in range(args.rounds):
                for mode in (list(MODES) if n % 2 == 0 else list(MODES)[::-1]):
                    admin.execute(MODES[mode])
                    conn.execute("DISCARD PLANS")
                    samples[mode] += call_latencies(conn, "SELECT count(*) FROM rec.feed(%s, 20)", [(u,) for u in users])
        finally:
            admin.execute(MODES["generic (one node)"] if original and any("plan_cache_mode" in c for c in original)
                          else MODES["custom (Citus)"])
    print(f"{len(users)} active users, {pooled} with a valid pool; {args.rounds} rounds; load {os.getloadavg()[0]:.2f}")
    rows = [{"plans": mode, **percentiles(xs)} for mode, xs in samples.items()]
    print_table("rec.feed(user, 20) from pools (ms)", rows, ["plans", "n", "p50", "p99", "mean"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
