"""Serving speed: the feed per strategy against a bare HNSW probe, the HTTP feed at a sweep of
request rates, and the design pgrec replaces (the seeds' pattern), on one dataset.

    python -m benchmarks.serving                                  # 20k items / 10k users / 1M events
    python -m benchmarks.serving --items 100000 --users 50000 --events 5000000
    python -m benchmarks.serving --skip-http --sample 200

1. **Feed vs probe.** ``rec.feed(user, 20)`` p50/p99 per strategy over a sample of active users,
   served from their precomputed pools (refresh step feed_pools, built first for every active
   user, with every strategy measured marked precomputed) and, for comparison, by the full pipeline (``SET rec.pools = off``), beside the bare
   probe a vector-only recommender would issue (``ORDER BY embedding <=> user_vector LIMIT 200``,
   ``hnsw.ef_search = 200``) measured in the same run.
2. **HTTP.** ``GET /v1/users/{id}/feed`` through one ``pgrec serve`` process at open-loop rates
   (benchmarks/http_load.py): achieved rate, p50/p99, errors. ``--http-users`` chooses whose
   feeds: active users (default), any users with history (those without a recent event have no
   pool), or those after each was shown a feed once and feed_pools caught up (steady state:
   a user who reads without acting has a pool too).
3. **The seeds' pattern.** What an application without pgrec does: fetch the 1,000 nearest
   candidates with their fields (embedding distance, tags, engagement, age) and score them in
   Python with the same kind of weights, against one ``rec.feed`` call; the ratio of medians and
   the overlap of the two top 20s.

The replay clock is the dataset's last event (``rec.as_of``), so "active" users (an event in
the last 7 days) exist whatever day the data was generated. Every figure is printed with the
machine's load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from app.db import connect
from benchmarks.common import bench_url, call_latencies, catch_up, log, percentiles, print_table, replay_at_last_event
from benchmarks.seed_pattern import seeds_pattern

STRATEGIES = (None, "default", "explore", "marketplace", "cold_start", "popular")


def active_users(conn, n: int) -> list[str]:
    return [r[0] for r in conn.execute("""
        SELECT u.external_id FROM (SELECT e.user_id, max(e.occurred_at) AS last_at FROM pgrec.events AS e
                                   WHERE e.occurred_at > rec.now() - interval '7 days' AND e.occurred_at <= rec.now()
                                   GROUP BY e.user_id) AS a
        JOIN pgrec.users AS u ON u.id = a.user_id
        ORDER BY md5(u.external_id) LIMIT %s""", (n,))]


def timed(conn, sql: str, params: list[tuple], repeat: int = 2) -> dict[str, float]:
    """Latency in ms of each call, the first pass untimed (warm caches and plans)."""
    return percentiles(call_latencies(conn, sql, params * (repeat - 1), warmup=len(params)))


def feed_vs_probe(conn, users: list[str]) -> list[dict]:
    rows = []
    vectors = [(v,) for (v,) in conn.execute(
        "SELECT (rec._user_context(u, rec.now())).vector FROM unnest(%s::text[]) AS u", (users,)) if v is not None]
    conn.execute("SET hnsw.ef_search = 200")
    probe = timed(conn, "SELECT id FROM pgrec.items ORDER BY embedding <=> %s LIMIT 200", vectors)
    conn.execute("RESET hnsw.ef_search")
    for strategy in STRATEGIES:
        for pools in ("on", "off"):
            conn.execute("SELECT set_config('rec.pools', %s, false)", (pools,))
            stats = timed(conn, "SELECT * FROM rec.feed(%s, 20, 0, %s)", [(u, strategy) for u in users])
            rows.append({"query": f"rec.feed(user, 20, {strategy or 'no strategy'})", "pools": pools,
                         "p50": stats["p50"], "p99": stats["p99"], "p50 / probe": stats["p50"] / probe["p50"]})
    conn.execute("SELECT set_config('rec.pools', 'on', false)")
    rows.append({"query": "bare HNSW probe: top 200 by cosine", "pools": "", "p50": probe["p50"], "p99": probe["p99"],
                 "p50 / probe": 1.0})
    return rows


def shown_feeds(conn, users: list[str]) -> int:
    """Every user shown a page once (rec.log_impressions, as the API logs what it serves), then
    feed_pools until it has nothing left to build: the pools a served user has in steady state."""
    for n, user in enumerate(users):
        conn.execute("SELECT rec.log_impressions(%s, %s, ARRAY(SELECT item_id FROM rec.feed(%s, 20)))",
                     (f"bench-shown-{n}", user, user))
    return build_pools(conn)


def build_pools(conn) -> int:
    built = 0
    while True:
        (step, outcome, rows, _), = conn.execute("SELECT * FROM rec.refresh('feed_pools')").fetchall()
        built += rows or 0
        if not rows or outcome != "ok":
            return built


def http_sweep(url: str, rates: list[float], seconds: float, client: str = "keepalive",
               who: str = "active") -> list[dict]:
    from benchmarks.http_load import prepare, run, start_api

    key_name, secret, everyone = prepare(url)
    with connect(url) as conn:
        if who == "active":
            users = active_users(conn, 2000)
        else:
            users = everyone
            if who == "shown":
                started = time.perf_counter()
                built = shown_feeds(conn, users)
                log(f"{len(users)} users shown a feed once; feed_pools built {built} pools "
                    f"in {time.perf_counter() - started:.1f}s")
        log(f"HTTP users: {who} ({len(users)})")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    logfile = Path(tempfile.mkdtemp(prefix="pgrec-serving-")) / "api.log"
    api = start_api(url, port, logfile)
    results = []
    try:
        for rate in rates:
            log(f"HTTP feed at {rate:g} req/s for {seconds:g} s")
            r = asyncio.run(run(f"http://127.0.0.1:{port}", secret, users, "feed", rate, seconds, warmup=200,
                                client_kind=client))
            r["load"] = os.getloadavg()[0]
            if r["errors"]:
                log(f"statuses at {rate:g} req/s: {r['statuses']}")
            results.append(r)
    finally:
        api.send_signal(signal.SIGTERM)
        try:
            api.wait(timeout=20)
        except subprocess.TimeoutExpired:
            api.kill()
        with connect(url) as conn:
            conn.execute("SELECT rec.revoke_api_key(%s)", (key_name,))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--rates", default="100,200,300,400")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--precompute", default=",".join(s for s in STRATEGIES if s),
                        help="feed strategies marked precomputed (pools are built for every active user)")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--client", choices=("keepalive", "httpx"), default="keepalive",
                        help="the load generator's HTTP client (benchmarks/http_load.py)")
    parser.add_argument("--skip-sql", action="store_true", help="only the HTTP sweep (pools are still brought up to date)")
    parser.add_argument("--http-users", choices=("active", "all", "shown"), default="active",
                        help="whose feeds the sweep asks for: 2,000 active users (an event in the last 7 days), "
                             "2,000 users with any history, or those same users after each was shown a feed once "
                             "and feed_pools caught up (users who read without acting get pools)")
    args = parser.parse_args()
    url = bench_url(args.items, args.users, args.events)
    as_of = replay_at_last_event(url)  # the API and every connection below
    with connect(url) as conn:
        catch_up(conn)  # before the pools: a first tune changes the strategy they are built for
        # As a DBA whose application asks for these strategies by name would.
        conn.execute("UPDATE pgrec.strategies SET precomputed = (name = ANY (%s)) WHERE list = 'feed'",
                     (args.precompute.split(","),))
        users = active_users(conn, args.sample)
        log(f"{len(users)} active users; building their feed pools")
        started = time.perf_counter()
        built = build_pools(conn)
        log(f"feed_pools: {built} pools in {time.perf_counter() - started:.1f}s")
        size = conn.execute("SELECT (SELECT count(*) FROM pgrec.items), (SELECT count(*) FROM pgrec.users), "
                            "(SELECT count(*) FROM pgrec.events)").fetchone()
        print(f"dataset: {size[0]} items, {size[1]} users, {size[2]} events; clock {as_of}; "
              f"{len(users)} active users sampled; load {os.getloadavg()[0]:.2f}")
        if not args.skip_sql:
            print_table("feed latency (ms), steady state", feed_vs_probe(conn, users),
                        ["query", "pools", "p50", "p99", "p50 / probe"])
            print_table("the seeds' pattern: 1,000 nearest candidates scored in Python vs rec.feed",
                        [seeds_pattern(conn, users[:100])],
                        ["users", "seeds p50", "seeds p99", "rec.feed p50", "rec.feed p99", "ratio of p50s",
                         "top-20 overlap"])
    if not args.skip_http:
        print_table("HTTP GET /v1/users/{id}/feed, open loop", http_sweep(url, [float(r) for r in args.rates.split(",")],
                                                                         args.seconds, args.client, args.http_users),
                    ["target_rps", "achieved_rps", "requests", "errors", "p50_ms", "p99_ms", "max_ms", "load"])
    print(f"load after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
