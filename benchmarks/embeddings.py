"""Embeddings benchmark: offline provider throughput and the embed job's end-to-end rate.

    .venv/bin/python -m benchmarks.embeddings [--items 100000 --batch-size 500 --workers 2]

Loads ``--items`` demo items through ``rec.upsert_items`` into a fresh database on the bench
server (change tracking queues every one of them), then prints:

* upsert rate with change tracking (the content-hash trigger and queue insert included);
* offline provider throughput: items/s embedding the items' real text in Python only;
* the embed job end to end: claim (FOR UPDATE SKIP LOCKED) → offline provider → rec.embed_store
  → dequeue, items/s with ``--workers`` concurrent workers (the embed job's
  ``PGREC_EMBEDDING_WORKERS``). A backfill this size is a bulk load: vectors are stored without
  the HNSW index, built once at the end (its time is included and printed); ``--no-bulk``
  maintains the index per row instead, for comparison;
* re-embedding after 1% of the items were edited (what the scheduler's minute job does).
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timezone

from app.db import connect
from app.demo import DemoSize, generate
from app.embeddings.offline import OfflineProvider
from app.embeddings.worker import embed_pending, status
from app.loader import batched, call_batches
from benchmarks.common import fresh_database, load_average, log, print_table


def measure(url: str, items: int, batch_size: int = 500, workers: int = 2, bulk_min: int = 10_000) -> list[dict]:
    """The benchmark's rows on the fresh pgrec database ``url``; ``bulk_min`` 0: no bulk load."""
    ds = generate(DemoSize(items=items, users=100, events=0), now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    rows = []
    with connect(url) as conn:
        log(f"loading {items} items ...")
        started = time.perf_counter()
        call_batches(conn, "upsert_items", batched(ds.items, 1000))
        seconds = time.perf_counter() - started
        rows.append({"what": "upsert_items with change tracking", "items": items, "seconds": seconds,
                     "items/s": items / seconds})
        queued = status(conn)["pending"]
        assert queued == items, f"expected every item queued, got {queued}"
        bodies = [r[0] for r in conn.execute("SELECT body FROM rec._item_embedding_texts(ARRAY(SELECT id FROM pgrec.items))")]
        dim = conn.execute("SELECT rec.embedding_dim()").fetchone()[0]

        provider = OfflineProvider(dim)
        log("offline provider alone ...")
        started = time.perf_counter()
        for chunk in batched(bodies, batch_size):
            provider.embed_array(chunk)
        seconds = time.perf_counter() - started
        rows.append({"what": f"offline provider, dim {dim} (Python only)", "items": len(bodies), "seconds": seconds,
                     "items/s": len(bodies) / seconds})

        log(f"embed job end to end, {workers} worker(s) ...")
        result = embed_pending(conn, OfflineProvider(dim), batch_size=batch_size, bulk_min=bulk_min, workers=workers)
        how = (f"bulk load, HNSW index built after in {result.index_seconds:.1f} s" if result.bulk
               else "HNSW index maintained per row")
        rows.append({"what": f"embed job end to end ({workers} worker(s), batch {batch_size}; {how})",
                     "items": result.embedded, "seconds": result.seconds, "items/s": result.embedded / result.seconds})

        edited = max(1, items // 100)
        ids = [r[0] for r in conn.execute("SELECT external_id FROM pgrec.items ORDER BY id LIMIT %s", (edited,))]
        call_batches(conn, "upsert_items", batched([{"id": i, "title": f"edited {i}"} for i in ids], 1000))
        again = embed_pending(conn, OfflineProvider(dim), batch_size=batch_size, bulk_min=bulk_min, workers=workers)
        rows.append({"what": "re-embed after editing 1% of items", "items": again.embedded, "seconds": again.seconds,
                     "items/s": again.embedded / again.seconds})
        left = status(conn)
    assert left["pending"] == 0 and left["embedded"] == items, left
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-bulk", action="store_true",
                        help="embed the backfill the steady-state way (HNSW index maintained per row), for comparison")
    args = parser.parse_args()
    before = load_average()
    rows = measure(fresh_database("bench_embeddings"), args.items, args.batch_size, args.workers,
                   bulk_min=0 if args.no_bulk else 10_000)
    after = load_average()
    print_table(f"embeddings, {args.items} items", rows, ["what", "items", "seconds", "items/s"])
    print(f"load before: {before}; after: {after}")


if __name__ == "__main__":
    main()
