"""Feed latency at 100k items / 50k users / 5M events, per strategy, against a bare pgvector probe.

    .venv/bin/python benchmarks/feed.py                 # the cached benchmark dataset (benchmarks/common.py)
    .venv/bin/python benchmarks/feed.py --url URL       # any loaded pgrec database

Prints p50/p99 of ``rec.feed(user, 20)`` for each strategy over a fixed sample of users, and,
in the same run, of the bare HNSW probe a vector-only recommender would issue
(``ORDER BY embedding <=> user_vector LIMIT 200`` with ``hnsw.ef_search = 200``), with the
ratio of the two medians. Targets on the 2-core reference machine: feed p50 <= 10 ms,
p99 <= 30 ms, p50 <= 2x the probe.

The demo data carries no embeddings; the first run embeds the catalogue with the offline
provider (the same queue and worker as production) and refreshes the steps that depend on
embeddings, so later runs (and other benchmarks) find them in place.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import bench_url, log, print_table, sample_users, time_calls  # noqa: E402

from app.db import connect  # noqa: E402

STRATEGIES = ("default", "explore", "marketplace", "cold_start", "popular")


def prepare(url: str) -> None:
    """Embed items that have no embedding yet and refresh what depends on embeddings and on
    the hybrid feed's own steps, once."""
    with connect(url) as conn:
        missing = conn.execute("SELECT count(*) FROM pgrec.items WHERE embedding IS NULL").fetchone()[0]
        if missing:
            os.environ.setdefault("PGREC_EMBEDDING_PROVIDER", "offline")
            from app.embeddings import get_provider
            from app.embeddings.worker import database_dim, embed_pending
            from app.settings import get_settings

            get_settings.cache_clear()
            log(f"embedding {missing} items with the offline provider (once)")
            conn.execute("SELECT rec.embed_requeue(NULL)")
            result = embed_pending(conn, get_provider(dim=database_dim(conn)), batch_size=512)
            log(f"embedded {result.embedded} items in {result.seconds:.0f}s")
        for step in ("stats", "user_vectors"):
            ran = conn.execute("SELECT 1 FROM pgrec.refresh_runs WHERE step = %s AND outcome = 'ok'", (step,)).fetchone()
            if missing or not ran:
                outcome = conn.execute("SELECT outcome, seconds FROM rec.refresh(%s)", (step,)).fetchone()
                log(f"refresh {step}: {outcome[0]} in {outcome[1]:.1f}s")
        conn.execute("ANALYZE")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="benchmark this loaded database instead of the cached dataset")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--sample", type=int, default=300, help="users timed per strategy")
    parser.add_argument("--as-of", help="replay clock for the feed calls (rec.as_of)")
    args = parser.parse_args(argv)

    url = args.url or bench_url(args.items, args.users, args.events)
    prepare(url)
    with connect(url) as conn:
        if args.as_of:
            conn.execute("SELECT set_config('rec.as_of', %s, false)", (args.as_of,))
        size = conn.execute("SELECT (SELECT count(*) FROM pgrec.items), (SELECT count(*) FROM pgrec.users), "
                            "(SELECT count(*) FROM pgrec.events)").fetchone()
        users = sample_users(conn, args.sample)
        vectors = conn.execute("SELECT u, (rec._user_context(u, rec.now())).vector FROM unnest(%s::text[]) AS u",
                               (users,)).fetchall()
        probes = [(v,) for _, v in vectors if v is not None]
        rows = []
        # Steady state, not a cold start: one untimed pass over every user and strategy first
        # brings their rows into memory and every function's plan into the session cache.
        for strategy in STRATEGIES:
            for u in users:
                conn.execute("SELECT * FROM rec.feed(%s, 20, 0, %s)", (u, strategy)).fetchall()
        for strategy in STRATEGIES:
            stats = time_calls(conn, "SELECT * FROM rec.feed(%s, 20, 0, %s)", [(u, strategy) for u in users])
            rows.append({"query": f"rec.feed(user, 20, strategy => {strategy})", **stats})
        conn.execute("SET hnsw.ef_search = 200")
        probe = time_calls(conn, "SELECT id FROM pgrec.items ORDER BY embedding <=> %s LIMIT 200", probes,
                           warmup=len(probes))
        conn.execute("RESET hnsw.ef_search")
        rows.append({"query": "bare HNSW probe: top 200 by cosine (ef_search 200)", **probe})
        for row in rows[:-1]:
            row["p50 / probe p50"] = row["p50"] / probe["p50"] if probe["p50"] else None
    print(f"dataset: {size[0]} items, {size[1]} users, {size[2]} events; {len(users)} users sampled, "
          f"{len(probes)} with a vector")
    print_table("feed latency (ms)", rows, ["query", "p50", "p99", "mean", "n", "p50 / probe p50"])
    print("targets: feed p50 <= 10 ms, p99 <= 30 ms, p50 <= 2x the bare probe")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
