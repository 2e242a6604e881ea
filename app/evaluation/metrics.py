"""Ranking metrics and the result rows a report is made of.

A :class:`Result` is one named row — a strategy, a baseline, or anything added later (a fitted
model, a tuner's blend): the table, the curves and the charts render any number of rows of any
``kind`` without knowing what made them.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Sequence

# Users by the number of training events they have (pgrec's own cold-start threshold is 10).
ACTIVITY_BUCKETS: tuple[tuple[str, int, int | None], ...] = (("cold", 0, 9), ("medium", 10, 49), ("heavy", 50, None))


def activity_bucket(train_events: int) -> str:
    for name, low, high in ACTIVITY_BUCKETS:
        if train_events >= low and (high is None or train_events <= high):
            return name
    return ACTIVITY_BUCKETS[-1][0]


def recall_ndcg(ranked: Sequence[str], relevant: set[str], k: int) -> tuple[float, float]:
    top = ranked[:k]
    hits = [1 if item in relevant else 0 for item in top]
    recall = sum(hits) / len(relevant)
    dcg = sum(h / math.log2(r + 2) for r, h in enumerate(hits))
    idcg = sum(1 / math.log2(r + 2) for r in range(min(k, len(relevant))))
    return recall, dcg / idcg


@dataclass
class Result:
    name: str
    kind: str  # strategy | baseline | anything a later evaluation adds (model, tuned, ...)
    recall: dict[int, float]
    ndcg: dict[int, float]
    coverage: float
    users: int
    latency_ms: dict[str, float] | None = None
    note: str = ""
    # Recall and NDCG at every cut-off 1..max(K), for the curves of the report.
    curve: dict[str, list[float]] = field(default_factory=dict)
    # Per user-activity bucket: {"cold": {"users": n, "recall@10": ..., "ndcg@10": ...}, ...}
    buckets: dict[str, dict[str, float]] = field(default_factory=dict)
    # Every call's latency in ms, for the distribution (strategies only).
    latencies: list[float] = field(default_factory=list)

    def as_dict(self) -> dict:
        out: dict = {"name": self.name, "kind": self.kind, "users": self.users, "coverage": round(self.coverage, 4)}
        for k in sorted(self.recall):
            out[f"recall@{k}"] = round(self.recall[k], 4)
            out[f"ndcg@{k}"] = round(self.ndcg[k], 4)
        if self.latency_ms:
            out["latency_ms"] = {k: round(v, 2) for k, v in self.latency_ms.items()}
        if self.buckets:
            out["by_activity"] = {b: {k: round(v, 4) for k, v in m.items()} for b, m in self.buckets.items()}
        if self.note:
            out["note"] = self.note
        return out


def score_lists(name: str, kind: str, lists: dict[str, list[str]], relevant: dict[str, set[str]],
                ks: Sequence[int], catalogue: int, latencies: list[float] | None = None, note: str = "",
                train_counts: dict[str, int] | None = None, cold: set[str] | None = None) -> Result:
    """Mean Recall/NDCG at each K, the curves, coverage, latency and activity buckets of one row."""
    kmax = max(ks)
    cut_offs = range(1, kmax + 1)
    per_user = {user: [recall_ndcg(ranked, relevant[user], k) for k in cut_offs] for user, ranked in lists.items()}
    users = max(len(lists), 1)
    curve = {"recall": [sum(v[k - 1][0] for v in per_user.values()) / users for k in cut_offs],
             "ndcg": [sum(v[k - 1][1] for v in per_user.values()) / users for k in cut_offs]}
    covered = {item for ranked in lists.values() for item in ranked[:kmax]}
    latency = None
    if latencies:
        ordered = sorted(latencies)
        latency = {"p50": ordered[len(ordered) // 2], "p95": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
                   "mean": statistics.fmean(ordered)}
    buckets: dict[str, dict[str, float]] = {}
    if train_counts is not None:
        for bucket, _, _ in ACTIVITY_BUCKETS:
            members = [u for u in per_user if activity_bucket(train_counts.get(u, 0)) == bucket]
            if not members:
                continue
            metrics: dict[str, float] = {"users": float(len(members))}
            for k in ks:
                metrics[f"recall@{k}"] = sum(per_user[u][k - 1][0] for u in members) / len(members)
                metrics[f"ndcg@{k}"] = sum(per_user[u][k - 1][1] for u in members) / len(members)
            buckets[bucket] = metrics
    if cold:
        # Newcomers of the split (cut back to their first events), whatever their bucket.
        members = [u for u in per_user if u in cold]
        if members:
            metrics = {"users": float(len(members))}
            for k in ks:
                metrics[f"recall@{k}"] = sum(per_user[u][k - 1][0] for u in members) / len(members)
                metrics[f"ndcg@{k}"] = sum(per_user[u][k - 1][1] for u in members) / len(members)
            buckets["newcomers"] = metrics
    return Result(name, kind, {k: curve["recall"][k - 1] for k in ks}, {k: curve["ndcg"][k - 1] for k in ks},
                  len(covered) / max(catalogue, 1), len(lists), latency, note, curve, buckets, list(latencies or []))


@dataclass
class Report:
    """Everything an evaluation produced: what it ran on, how it split, and the result rows."""

    dataset: str
    split: dict
    results: list[Result]
    notes: list[str]

    def as_dict(self) -> dict:
        return {"dataset": self.dataset, "split": self.split, "results": [r.as_dict() for r in self.results],
                "notes": self.notes}
