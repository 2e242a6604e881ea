"""What a model fitted in Python learns from, and how it checks itself.

:func:`load` reads ``rec.model_interactions(model)`` — one strength per user and item, weighed
by the model's parameters as of ``rec.now()`` — into a sparse users x items matrix.
:func:`holdout` splits off each sampled user's most recent interactions, the way the future
arrives, and :func:`ndcg_at` measures how well a model's scores rank them: every fit chooses its
own settings (EASE's regularisation, ALS's) on this hold-out and records what it measured.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import psycopg
from scipy import sparse

__all__ = ["Holdout", "Interactions", "holdout", "load", "ndcg_at", "top_k"]


@dataclass
class Interactions:
    """A users x items strength matrix and the pgrec ids of its rows and columns."""

    user_ids: np.ndarray          # row -> pgrec.users.id
    item_ids: np.ndarray          # column -> pgrec.items.id
    matrix: sparse.csr_matrix     # float32 strengths (0, 1]
    last_at: sparse.csr_matrix    # same pattern: epoch seconds of each pair's latest event
    last_event_id: int = 0        # the newest event when the read began (rec.last_event_id)

    @property
    def events(self) -> int:
        return int(self.matrix.nnz)


def load(conn: psycopg.Connection, model: str) -> Interactions:
    """The model's interactions as of rec.now(), through one COPY (binary, no per-row SQL)."""
    watermark = conn.execute("SELECT rec.last_event_id()").fetchone()[0]
    users: list[int] = []
    items: list[int] = []
    strengths: list[float] = []
    times: list[float] = []
    query = ("COPY (SELECT user_id, item_id, strength, extract(epoch FROM last_at)::float8"
             " FROM rec.model_interactions(%s)) TO STDOUT (FORMAT BINARY)")
    with conn.cursor() as cur, cur.copy(query, (model,)) as copy:
        copy.set_types(["int8", "int8", "float8", "float8"])
        for u, i, s, t in copy.rows():
            users.append(u)
            items.append(i)
            strengths.append(s)
            times.append(t)
    u = np.asarray(users, np.int64)
    i = np.asarray(items, np.int64)
    user_ids, rows = np.unique(u, return_inverse=True)
    item_ids, cols = np.unique(i, return_inverse=True)
    shape = (len(user_ids), len(item_ids))
    matrix = sparse.csr_matrix((np.asarray(strengths, np.float32), (rows, cols)), shape=shape)
    last_at = sparse.csr_matrix((np.asarray(times, np.float64), (rows, cols)), shape=shape)
    matrix.sort_indices()
    last_at.sort_indices()
    return Interactions(user_ids, item_ids, matrix, last_at, watermark)


@dataclass
class Holdout:
    """Training matrix with the validation users' latest interactions removed, and those."""

    train: sparse.csr_matrix
    users: np.ndarray                 # rows of the validation users
    held_out: list[np.ndarray]        # per validation user: the held-out columns

    def __len__(self) -> int:
        return len(self.users)


def holdout(data: Interactions, share: float = 0.2, max_users: int = 3000, min_items: int = 3,
            seed: int = 0) -> Holdout:
    """Hold out the most recent ``share`` (at least one) of the interactions of up to
    ``max_users`` users with ``min_items`` or more; the rest is the training matrix.

    Deterministic: the sample depends only on the seed and the data."""
    counts = np.diff(data.matrix.indptr)
    eligible = np.flatnonzero(counts >= min_items)
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(eligible, size=min(max_users, len(eligible)), replace=False)) if len(eligible) else eligible
    train = data.matrix.copy()
    keep = np.ones(train.nnz, bool)
    held: list[np.ndarray] = []
    for row in chosen:
        start, end = data.matrix.indptr[row], data.matrix.indptr[row + 1]
        times = data.last_at.data[start:end]
        n_out = max(1, int(round((end - start) * share)))
        # Latest first; ties by column so the split is the same on every run.
        order = np.lexsort((data.matrix.indices[start:end], -times))[:n_out]
        keep[start + order] = False
        held.append(np.sort(data.matrix.indices[start + order]))
    train.data = np.where(keep, train.data, 0).astype(np.float32)
    train.eliminate_zeros()
    return Holdout(train, chosen, held)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indexes of each row's k best scores, best first (ties by column)."""
    k = min(k, scores.shape[1])
    if k <= 0:
        return np.zeros((scores.shape[0], 0), np.int64)
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    vals = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -vals), axis=1)
    return np.take_along_axis(part, order, axis=1)


def ndcg_at(scores: np.ndarray, seen: sparse.csr_matrix, held_out: list[np.ndarray], k: int = 20) -> float:
    """Mean NDCG@k (binary gains) of ``scores`` (validation users x items), never ranking what
    the user has in ``seen`` (their training rows)."""
    scores = np.array(scores, np.float64, copy=True)
    rows, cols = seen.nonzero()
    scores[rows, cols] = -np.inf
    ranked = top_k(scores, k)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    total = 0.0
    for n, relevant in enumerate(held_out):
        hits = np.isin(ranked[n], relevant)
        ideal = discounts[:min(k, len(relevant))].sum()
        total += float(discounts[:len(hits)][hits].sum()) / ideal if ideal else 0.0
    return total / max(len(held_out), 1)
