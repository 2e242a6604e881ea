"""Concurrent writers through ``rec.track``: 16 writers, 200-event batches, overlapping users
(popular ones and new ones created by several batches at once) and overlapping event ids
(redeliveries racing the original). No batch may deadlock, and what is stored is exactly the
distinct ids of the batches that committed. The workload is the one
``benchmarks/ingest_concurrency.py`` runs for a minute; here it is a fixed number of batches."""

from __future__ import annotations

from benchmarks.ingest_concurrency import ingest, prepare, report


def test_sixteen_overlapping_writers_do_not_deadlock(fresh_db: str) -> None:
    prepare(fresh_db)
    result = ingest(fresh_db, writers=16, batch_size=200, seconds=None, batches_per_writer=8, retries=5)
    summary = report(result)
    assert result.deadlocks == 0, summary
    assert result.failed_batches == 0, summary
    assert result.batches == 16 * 8, summary
    assert result.stored == result.stored_accepted == len(result.accepted_ids), summary
    assert result.new_events == len(result.accepted_ids), summary  # every new event counted once
