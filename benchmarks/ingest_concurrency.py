"""Concurrent ingestion through ``rec.track``: many writers, overlapping users and event ids.

    .venv/bin/python -m benchmarks.ingest_concurrency              # 16 writers, 200-event batches, 60 s
    .venv/bin/python -m benchmarks.ingest_concurrency --writers 32 --seconds 30

What production looks like when several API replicas or workers forward events at once: every
batch touches many of the same (popular) users, some users are new and created by the batch
itself, and retried deliveries repeat event ids another writer already sent. Each writer sends
its batches in its own transactions; a deadlock (40P01) or serialization failure is counted and
the same batch is retried, as a client would (safe: repeated event ids are skipped).

Prints events/s, batch latency (p50/p99, retries included), deadlocks, retries, failed batches,
and checks that the events stored are exactly the distinct (user, event id) pairs of the batches
that committed (event ids are unique per user):
none lost, none from a batch that never committed. The target is 0 deadlocks.

Runs on the benchmark server (``.pgdata-bench``, or ``DATABASE_URL``'s server) in a fresh
database each time. ``tests/test_ingest_concurrency.py`` runs the same workload, shorter.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from dataclasses import dataclass, field

import psycopg

RETRYABLE = {"40P01", "40001"}
EVENT_TYPES = ("view", "view", "view", "click", "like", "save", "share")


@dataclass
class IngestResult:
    writers: int
    batch_size: int
    seconds: float = 0.0
    batches: int = 0  # committed
    new_events: int = 0  # sum of what rec.track returned
    deadlocks: int = 0
    serialization_failures: int = 0
    failed_batches: int = 0  # still failing after the retries
    errors: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    accepted_ids: set[tuple[str, str]] = field(default_factory=set)  # (user id, event id)
    stored: int = 0
    stored_accepted: int = 0

    @property
    def events_per_second(self) -> float:
        return self.new_events / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else 0.0


def prepare(url: str, items: int = 500, users: int = 64) -> None:
    """Items and the popular users every writer keeps hitting."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT rec.upsert_items(%s::jsonb)",
                     (json.dumps([{"id": f"ing-item-{i}", "tags": [f"category:c{i % 12}"]} for i in range(items)]),))
        conn.execute("SELECT rec.upsert_users(%s::jsonb)", (json.dumps([{"id": f"ing-user-{i}"} for i in range(users)]),))


def make_batch(rng: random.Random, writer: int, number: int, size: int, items: int, users: int,
               shared_ids: int) -> list[dict]:
    """One batch, in random order: 75 % fresh event ids and 25 % ids that the other writers are
    sending at about the same time (a redelivery racing the original through another replica:
    the pool changes every half second, so those rows are often still uncommitted elsewhere);
    85 % popular users and 15 % users that are new right now, created by several batches at once."""
    epoch = int(time.monotonic() * 2)
    batch = []
    for i in range(size):
        if rng.random() < 0.25:
            event_id = f"ing-shared-{epoch}-{rng.randrange(shared_ids)}"
            # A redelivery is the same event: the same user, whichever writer sends it (event
            # ids are unique per user).
            pick = random.Random(event_id)
        else:
            event_id = f"ing-w{writer}-b{number}-{i}"
            pick = rng
        user = (f"ing-user-{pick.randrange(users)}" if pick.random() < 0.85
                else f"ing-new-{epoch}-{pick.randrange(users)}")
        batch.append({"event_id": event_id, "user_id": user, "item_id": f"ing-item-{rng.randrange(items)}",
                      "type": rng.choice(EVENT_TYPES)})
    rng.shuffle(batch)
    return batch


def ingest(url: str, writers: int = 16, batch_size: int = 200, seconds: float | None = 60.0,
           batches_per_writer: int | None = None, retries: int = 5, items: int = 500, users: int = 64,
           seed: int = 7) -> IngestResult:
    """Run the workload against a database prepared with :func:`prepare`, then count what is stored."""
    result = IngestResult(writers, batch_size)
    lock = threading.Lock()
    start = threading.Barrier(writers + 1)
    deadline = [0.0]

    def writer(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        with psycopg.connect(url, autocommit=True) as conn:
            start.wait()
            number = 0
            while True:
                if batches_per_writer is not None and number >= batches_per_writer:
                    break
                if batches_per_writer is None and time.monotonic() >= deadline[0]:
                    break
                batch = make_batch(rng, index, number, batch_size, items, users, shared_ids=batch_size * 2)
                number += 1
                payload = json.dumps(batch)
                began = time.perf_counter()
                for attempt in range(retries + 1):
                    try:
                        new = conn.execute("SELECT rec.track(%s::jsonb)", (payload,)).fetchone()[0]
                    except psycopg.Error as exc:
                        with lock:
                            if exc.sqlstate == "40P01":
                                result.deadlocks += 1
                            elif exc.sqlstate == "40001":
                                result.serialization_failures += 1
                        if exc.sqlstate in RETRYABLE and attempt < retries:
                            continue
                        with lock:
                            result.failed_batches += 1
                            result.errors.append(f"{exc.sqlstate}: {str(exc)[:200]}")
                        break
                    with lock:
                        result.batches += 1
                        result.new_events += new
                        result.latencies_ms.append((time.perf_counter() - began) * 1000)
                        result.accepted_ids.update((e["user_id"], e["event_id"]) for e in batch)
                    break

    threads = [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(writers)]
    for t in threads:
        t.start()
    started = time.monotonic()
    deadline[0] = started + (seconds or 0)
    start.wait()
    for t in threads:
        t.join()
    result.seconds = time.monotonic() - started

    with psycopg.connect(url, autocommit=True) as conn:
        result.stored = conn.execute("SELECT count(*) FROM pgrec.events WHERE event_id LIKE 'ing-%'").fetchone()[0]
        users, ids = zip(*result.accepted_ids) if result.accepted_ids else ((), ())
        result.stored_accepted = conn.execute(
            "SELECT count(*) FROM pgrec.events AS e JOIN pgrec.users AS u ON u.id = e.user_id "
            "JOIN unnest(%s::text[], %s::text[]) AS a(user_id, event_id) "
            "ON a.user_id = u.external_id AND a.event_id = e.event_id",
            (list(users), list(ids))).fetchone()[0]
    return result


def report(result: IngestResult) -> str:
    lines = [
        f"writers {result.writers}, batches of {result.batch_size} events, {result.seconds:.1f} s",
        f"committed batches      {result.batches}",
        f"new events             {result.new_events}  ({result.events_per_second:.0f} events/s)",
        f"batch latency ms       p50 {result.percentile(50):.1f}  p99 {result.percentile(99):.1f}  (retries included)",
        f"deadlocks              {result.deadlocks}  (target 0)",
        f"serialization retries  {result.serialization_failures}",
        f"failed batches         {result.failed_batches}",
        f"distinct accepted ids  {len(result.accepted_ids)}",
        f"stored events          {result.stored}  (of them accepted ids: {result.stored_accepted})",
        "stored = distinct accepted ids: " + ("yes" if result.stored == result.stored_accepted == len(result.accepted_ids)
                                              else "NO"),
    ]
    if result.errors:
        lines.append("first errors: " + "; ".join(result.errors[:3]))
    return "\n".join(lines)


def main() -> None:
    from benchmarks.common import fresh_database, log

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--retries", type=int, default=5)
    args = parser.parse_args()
    url = fresh_database("bench_ingest_concurrency")
    prepare(url)
    log(f"ingesting for {args.seconds:g} s with {args.writers} writers")
    print(report(ingest(url, args.writers, args.batch, args.seconds, retries=args.retries)))


if __name__ == "__main__":
    main()
