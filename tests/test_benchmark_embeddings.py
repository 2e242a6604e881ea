"""``benchmarks/embeddings.py`` at a small size: it must keep running against the current SQL
API (it once called a function that had been renamed), and its rows must say what happened."""

from __future__ import annotations

from benchmarks.embeddings import measure


def test_the_embeddings_benchmark_runs_and_reports_a_bulk_load(fresh_db: str) -> None:
    rows = {r["what"].split(" (")[0].split(",")[0]: r for r in measure(fresh_db, items=300, batch_size=50, bulk_min=100)}
    assert set(rows) == {"upsert_items with change tracking", "offline provider", "embed job end to end",
                         "re-embed after editing 1% of items"}
    job = next(r for r in rows.values() if r["what"].startswith("embed job"))
    assert job["items"] == 300 and "bulk load" in job["what"] and "2 worker(s)" in job["what"]
    assert rows["re-embed after editing 1% of items"]["items"] == 3
    assert all(r["items/s"] > 0 for r in rows.values())
