"""The seeds' pattern: what an application without pgrec does for a feed — fetch the 1,000
nearest candidates with their fields (embedding distance, tags, engagement, age) and score them
in Python with weights of its own — against one ``rec.feed`` call on the same data; prints the
ratio of the medians and the overlap of the two top 20s. benchmarks/serving.py runs it too.

    python -m benchmarks.seed_pattern                    # 20k items / 10k users / 1M events
    python -m benchmarks.seed_pattern --items 100000 --users 50000 --events 5000000
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from app.db import connect
from benchmarks.common import bench_url, percentiles, print_table, sample_users


def seeds_pattern(conn, users: list[str]) -> dict:
    """Fetch 1,000 nearest candidates with fields and score in Python vs one rec.feed call."""
    weights = {"vector": 0.4, "tags": 0.2, "engagement": 0.2, "recency": 0.2}
    app_ms, feed_ms, overlaps = [], [], []
    for user in users:
        started = time.perf_counter()
        context = conn.execute(
            "SELECT (c.u).vector, (c.u).interest_tags, (c.u).interacted_items, rec.now() "
            "FROM (SELECT rec._user_context(%s, rec.now()) AS u) AS c", (user,)).fetchone()
        vector, interests, seen, now = context
        if vector is None:
            continue
        rows = conn.execute("""
            SELECT i.external_id, i.id, (i.embedding <=> %s) AS distance, i.tag_ids, coalesce(s.engagement_score, 0),
                   extract(epoch FROM %s - i.created_at) / 86400
            FROM pgrec.items AS i LEFT JOIN pgrec.item_stats AS s ON s.item_id = i.id
            WHERE i.status = 'active'
            ORDER BY i.embedding <=> %s LIMIT 1000""", (vector, now, vector)).fetchall()
        interest = set(interests or [])
        excluded = set(seen or [])
        scored = []
        for external_id, item_id, distance, tags, engagement, age in rows:
            if item_id in excluded:
                continue
            tags = set(tags or [])
            jaccard = len(tags & interest) / len(tags | interest) if tags or interest else 0.0
            score = (weights["vector"] * max(0.0, 1 - distance) + weights["tags"] * jaccard
                     + weights["engagement"] * engagement + weights["recency"] * math.exp(-max(age, 0) / 14))
            scored.append((score, external_id))
        scored.sort(reverse=True)
        app_top = [e for _, e in scored[:20]]
        app_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        feed_top = [r[0] for r in conn.execute("SELECT item_id FROM rec.feed(%s, 20)", (user,))]
        feed_ms.append((time.perf_counter() - started) * 1000)
        overlaps.append(len(set(app_top) & set(feed_top)) / 20)
    a, f = percentiles(app_ms), percentiles(feed_ms)
    return {"users": len(app_ms), "seeds p50": a["p50"], "seeds p99": a["p99"], "rec.feed p50": f["p50"],
            "rec.feed p99": f["p99"], "ratio of p50s": a["p50"] / f["p50"], "top-20 overlap": float(np.mean(overlaps))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=100)
    args = parser.parse_args()
    with connect(bench_url(args.items, args.users, args.events)) as conn:
        users = sample_users(conn, args.sample)
        print_table("the seeds' pattern: 1,000 nearest candidates scored in Python vs rec.feed",
                    [seeds_pattern(conn, users)],
                    ["users", "seeds p50", "seeds p99", "rec.feed p50", "rec.feed p99", "ratio of p50s", "top-20 overlap"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
