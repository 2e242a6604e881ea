"""Scale benchmark: one PostgreSQL with events partitioned by month, the same without
partitioning (the layout of revision 0006 with the rec API of that time), and a 3-node Citus
cluster on this machine, on the same demo data.

    .venv/bin/python -m benchmarks.scale --events 5000000                       # all three layouts
    .venv/bin/python -m benchmarks.scale --events 20000000 --layout partitioned --layout unpartitioned

For each layout, on a fresh database:
  * items and users through rec.upsert_items / rec.upsert_users, embeddings by the offline
    provider (the refresh step "embeddings", timed on its own);
  * all events but the newest ``--track-events`` by COPY (the partitions they need created first,
    and their ids in pgrec.event_ids, as rec.track would have written them);
  * ingest: the newest ``--track-events`` through rec.track in batches of 5000, events/s;
  * refresh: every SQL step in its own transaction (what `pgrec refresh` and the scheduler do),
    seconds per step and in total, first in full (``full => true``), then again after
    ``--added`` new events through rec.track (incremental: the steps with watermarks add what
    changed; trending and feed_pools recompute their window and pools every run);
  * rec.feed(user, 20) p50/p99 over ``--feed-users`` users with history (served from their
    precomputed pool when they have one, else by the full pipeline), the same over users the
    refresh step feed_pools built a pool for (active in the last 7 days, at most 1000 per run),
    and rec.trending(20, 0, '24 hours', user).
The clock is fixed (rec.as_of = the data's "now", 2026-01-01), so runs are comparable.

Prints the figures with ``uptime``'s load before and after each layout: the machine is shared.
Databases are kept (``bench_scale_<layout>_<events>``) unless ``--drop``; the Citus cluster runs
in ``.cluster/bench-citus`` and is stopped by pid at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import tarfile
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import psycopg

from app import ROOT
from app.db import configure, with_database
from app.demo import DEFAULT_NOW, Dataset, DemoSize, generate
from app.loader import batched, call_batches
from app.refresh import run_step
from app.schema import as_owner, migrate, run_file, set_embedding_dim
from app.settings import Settings, get_settings
from benchmarks.common import load_average, log, percentiles, print_table, server_url

LAYOUTS = ("partitioned", "unpartitioned", "citus")
#: The last commit whose rec API served the unpartitioned layout (revision 0006, before events
#: were partitioned in 0007): what the unpartitioned layout is measured with.
UNPARTITIONED_API = "f287bb0cdc9d251b4e70cb1431023c78bb82cdf8"
UNPARTITIONED_REVISION = "0006"
TRACK_BATCH = 5000


def connect(url: str) -> psycopg.Connection:
    """Autocommit, pgvector registered, at the data's clock."""
    conn = psycopg.connect(url, autocommit=True)
    configure(conn)
    conn.execute("SELECT set_config('rec.as_of', %s, false)", (DEFAULT_NOW.isoformat(),))
    return conn


# --- installing each layout ----------------------------------------------------------------------

def fresh_single_node(name: str) -> str:
    admin = server_url()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return with_database(admin, name)


def install_unpartitioned(url: str, ref: str) -> None:
    """Revision 0006 (one events table, global event ids), then the rec API as it was at git
    ``ref``, the code that layout was written for."""
    migrate(url, UNPARTITIONED_REVISION)
    archive = subprocess.run(["git", "archive", ref, "sql/api"], cwd=ROOT, capture_output=True, check=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        api = Path(tmp) / "sql" / "api"
        files = sorted(api.rglob("*.sql"), key=lambda p: p.relative_to(api).as_posix())
        with psycopg.connect(url, autocommit=True) as conn:
            set_embedding_dim(conn, get_settings().embedding_dim)
            with as_owner(conn):
                for path in files:
                    run_file(conn, path)


def install(layout: str, events: int, ref: str) -> tuple[str, object | None]:
    """URL of a fresh pgrec database of ``layout`` (and the Citus cluster, to stop later)."""
    name = f"bench_scale_{layout}_{events}"
    if layout == "citus":
        from app.cluster import citus
        from app.cluster.servers import cluster_dir

        cluster = citus.start_cluster(cluster_dir() / "bench-citus", workers=2, dbname="pgrec")
        url = cluster.url()
        with psycopg.connect(url, autocommit=True) as conn:
            if conn.execute("SELECT to_regnamespace('pgrec') IS NOT NULL").fetchone()[0]:
                raise SystemExit(f"{url} already holds pgrec: stop the cluster with --remove "
                                 "(python -m app.cluster citus stop) or point PGREC_CLUSTER_DIR elsewhere")
        env = {**os.environ, "DATABASE_URL": url}
        env.pop("PGOPTIONS", None)
        subprocess.run([str(ROOT / ".venv/bin/alembic"), "upgrade", "head"], cwd=ROOT, env=env, check=True)
        return url, cluster
    url = fresh_single_node(name)
    if layout == "unpartitioned":
        install_unpartitioned(url, ref)
    else:
        migrate(url)
    return url, None


# --- loading -------------------------------------------------------------------------------------

def copy_events(conn: psycopg.Connection, events: list[dict], users: dict[str, int], items: dict[str, int]) -> None:
    with conn.cursor() as cur:
        with cur.copy("COPY pgrec.events (event_id, user_id, item_id, type, value, context, occurred_at) FROM STDIN") as copy:
            for e in events:
                copy.write_row((e["event_id"], users[e["user_id"]], items[e["item_id"]], e["type"], e.get("value"),
                                json.dumps(e["context"]) if e.get("context") else None, e["at"]))


def load(url: str, layout: str, ds: Dataset, track_events: int) -> dict[str, float]:
    """Catalogue, bulk events, then the ingest measurement. Returns timings."""
    figures: dict[str, float] = {}
    total = ds.size.events
    bulk = total - track_events
    with connect(url) as conn:
        started = time.perf_counter()
        call_batches(conn, "upsert_items", batched(ds.items, 1000))
        call_batches(conn, "upsert_users", batched(ds.users, 1000))
        figures["catalogue_s"] = time.perf_counter() - started
        run = run_step(conn, "embeddings", "python", replace(Settings(), embedding_provider="offline"))
        figures["embeddings_s"] = run.seconds
        if layout != "unpartitioned":
            # The months of the history exist before it is loaded (rec.create_event_partitions),
            # so COPY writes straight into them instead of through the default partition.
            conn.execute("SELECT rec.create_event_partitions(%s::timestamptz - make_interval(days => %s), %s)",
                         (DEFAULT_NOW, ds.size.days + 1, DEFAULT_NOW))
        users = dict(conn.execute("SELECT external_id, id FROM pgrec.users").fetchall())
        items = dict(conn.execute("SELECT external_id, id FROM pgrec.items").fetchall())

        log(f"{layout}: COPY of {bulk} events")
        started = time.perf_counter()
        done = 0
        newest: list[dict] = []
        for batch in ds.events(50_000):
            take = max(0, min(len(batch), bulk - done))
            if take:
                copy_events(conn, batch[:take], users, items)
            newest.extend(batch[take:])
            done += len(batch)
        if layout != "unpartitioned":
            conn.execute("INSERT INTO pgrec.event_ids (user_id, event_id, occurred_at) "
                         "SELECT user_id, event_id, occurred_at FROM pgrec.events WHERE event_id IS NOT NULL")
        figures["copy_s"] = time.perf_counter() - started
        figures["copy_rate"] = bulk / figures["copy_s"]
        conn.execute("VACUUM ANALYZE pgrec.events")

        log(f"{layout}: rec.track of the newest {len(newest)} events in batches of {TRACK_BATCH}")
        started = time.perf_counter()
        tracked = call_batches(conn, "track", batched(newest, TRACK_BATCH))
        figures["track_s"] = time.perf_counter() - started
        figures["track_rate"] = tracked / figures["track_s"]
        figures["tracked"] = tracked
        conn.execute("VACUUM ANALYZE")
        figures["events"] = conn.execute("SELECT count(*) FROM pgrec.events").fetchone()[0]
    return figures


def refresh_steps(url: str, full: bool) -> list[dict]:
    """Every enabled SQL step, each in its own transaction, in order; ``full`` rebuilds the
    incremental steps from all events."""
    results = []
    with connect(url) as conn:
        steps = conn.execute("SELECT step FROM pgrec.refresh_steps WHERE enabled AND runner = 'sql' ORDER BY position"
                             ).fetchall()
        for (step,) in steps:
            started = time.perf_counter()
            outcome, rows = conn.execute("SELECT outcome, rows FROM rec.refresh(%s, %s)", (step, full)).fetchone()
            seconds = time.perf_counter() - started
            detail = conn.execute("SELECT detail FROM pgrec.refresh_runs WHERE step = %s ORDER BY id DESC LIMIT 1",
                                  (step,)).fetchone()[0]
            results.append({"step": step, "outcome": outcome, "rows": rows, "seconds": seconds,
                            "mode": (detail or "").split(" ")[0].split(":")[0] or "-"})
    return results


def add_events(url: str, ds: Dataset, n: int) -> float:
    """``n`` new events of existing users about existing items, in the last hour before the
    data's "now", through rec.track in batches of TRACK_BATCH. Returns seconds."""
    rng = random.Random(11)
    user_ids = [u["id"] for u in ds.users]
    item_ids = [i["id"] for i in ds.items]
    events = [{"event_id": f"added-{k}", "user_id": rng.choice(user_ids), "item_id": rng.choice(item_ids),
               "type": rng.choice(("view", "view", "view", "click", "like", "save")),
               "at": (DEFAULT_NOW - timedelta(seconds=rng.randint(1, 3600))).isoformat()} for k in range(n)]
    started = time.perf_counter()
    with connect(url) as conn:
        call_batches(conn, "track", batched(events, TRACK_BATCH))
    return time.perf_counter() - started


def latencies(url: str, n: int) -> dict[str, dict[str, float]]:
    with connect(url) as conn:
        conn.execute("SELECT setseed(0.42)")
        # Users with history, drawn from the users table (a plain index probe per user on
        # every layout, where a semi-join with events would cost a scan of every shard).
        candidates = [r[0] for r in conn.execute("SELECT external_id FROM pgrec.users ORDER BY random() LIMIT %s",
                                                 (n * 3,)).fetchall()]
        users = [u for u in candidates
                 if conn.execute("SELECT (rec.status(%s) -> 'counts' ->> 'events')::int > 0", (u,)).fetchone()[0]][:n]
        # Users with a precomputed feed (by internal id from the pools, then their client ids,
        # two single-table reads on every layout).
        pooled_ids = [r[0] for r in conn.execute(
            "SELECT user_id FROM pgrec.feed_pools WHERE strategy = 'default' ORDER BY md5(user_id::text) LIMIT %s",
            (n,)).fetchall()]
        pooled = [r[0] for r in conn.execute("SELECT external_id FROM pgrec.users WHERE id = ANY (%s)",
                                             (pooled_ids,)).fetchall()]
        out = {}
        for name, sql, who in (("feed", "SELECT * FROM rec.feed(%s, 20)", users),
                               ("pooled", "SELECT * FROM rec.feed(%s, 20)", pooled),
                               ("trending", "SELECT * FROM rec.trending(20, 0, '24 hours', %s)", users)):
            if not who:
                out[name] = {"p50": float("nan"), "p99": float("nan")}
                continue
            for u in who[:20]:  # warm-up
                conn.execute(sql, (u,)).fetchall()
            samples = []
            for u in who:
                started = time.perf_counter()
                conn.execute(sql, (u,)).fetchall()
                samples.append((time.perf_counter() - started) * 1000)
            out[name] = percentiles(samples)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=None, help="default: events / 100")
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--track-events", type=int, default=200_000,
                        help="the newest events, ingested through rec.track (the rest by COPY)")
    parser.add_argument("--added", type=int, default=10_000,
                        help="new events through rec.track after the full refresh, before the incremental one")
    parser.add_argument("--feed-users", type=int, default=300)
    parser.add_argument("--layout", action="append", choices=LAYOUTS, help="repeatable; default: all three")
    parser.add_argument("--baseline-ref", default=UNPARTITIONED_API,
                        help="git ref whose sql/api is installed on the unpartitioned (revision 0003) layout")
    parser.add_argument("--drop", action="store_true", help="drop the databases (and remove the cluster) afterwards")
    args = parser.parse_args()

    size = DemoSize(items=args.items, users=args.users or max(1000, args.events // 100), events=args.events,
                    days=args.days)
    rows = []
    for layout in args.layout or LAYOUTS:
        before = load_average()
        log(f"{layout}: load {before}")
        url, cluster = install(layout, args.events, args.baseline_ref)
        try:
            ds = generate(size, now=DEFAULT_NOW)
            figures = load(url, layout, ds, min(args.track_events, args.events))
            log(f"{layout}: full refresh")
            steps = refresh_steps(url, full=True)
            log(f"{layout}: {args.added} new events, then the incremental refresh")
            added_s = add_events(url, ds, args.added)
            incremental = refresh_steps(url, full=False)
            reads = latencies(url, args.feed_users)
            after = load_average()
            print_table(f"{layout}: refresh steps (each in its own transaction) at {figures['events']} events, "
                        f"in full, then after {args.added} new events", [
                            {"step": f["step"], "full s": f["seconds"], "full rows": f["rows"],
                             "incr. s": i["seconds"], "incr. mode": i["mode"], "incr. rows": i["rows"],
                             "outcomes": f"{f['outcome']}/{i['outcome']}"}
                            for f, i in zip(steps, incremental)],
                        ["step", "full s", "full rows", "incr. s", "incr. mode", "incr. rows", "outcomes"])
            rows.append({
                "layout": layout, "events": figures["events"],
                "COPY ev/s": figures["copy_rate"], "track ev/s": figures["track_rate"],
                "refresh s": sum(s["seconds"] for s in steps),
                "incr. s": sum(s["seconds"] for s in incremental),
                "added ev/s": args.added / added_s,
                "embed s": figures["embeddings_s"],
                "feed p50": reads["feed"]["p50"], "feed p99": reads["feed"]["p99"],
                "pooled p50": reads["pooled"]["p50"], "pooled p99": reads["pooled"]["p99"],
                "trend p50": reads["trending"]["p50"], "trend p99": reads["trending"]["p99"],
                "load before": before,
                "load after": after,
            })
        finally:
            if cluster is not None:
                from app.cluster import citus

                citus.stop_cluster(cluster, remove=args.drop)
            elif args.drop:
                with psycopg.connect(server_url(), autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS bench_scale_{layout}_{args.events} WITH (FORCE)")
    print_table(f"pgrec scale benchmark: {size.items} items, {size.users} users, {size.events} events over "
                f"{size.days} days; ms for latencies; load = uptime's 1/5/15-minute averages (2 shared cores)",
                rows, ["layout", "events", "COPY ev/s", "track ev/s", "refresh s", "incr. s", "added ev/s", "embed s",
                       "feed p50", "feed p99", "pooled p50", "pooled p99", "trend p50", "trend p99",
                       "load before", "load after"])
    print(f"refresh s: every SQL step in full; incr. s: the same steps after {args.added} new events "
          "(trending and feed_pools recompute on every run); pooled: users with a precomputed feed.")


if __name__ == "__main__":
    main()
