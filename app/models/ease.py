"""EASE (Steck, 2019): a closed-form linear item-item model, and its neighbour rows.

EASE learns an item-item weight matrix B with a zero diagonal minimising
``||X - X B||^2 + lambda ||B||^2`` over the user-item matrix X, which has the closed form

    P = (X^T X + lambda I)^-1,    B = -P / diag(P)   (columnwise), diag(B) = 0.

A user's score for item j is sum over their items h of B[h, j], which is exactly how
``rec._collaborative`` scores neighbour rows (item_id = h, neighbor_id = j, score = B[h, j]),
with the event strength and time decay as weights. Keeping each item's top positive weights
turns the dense model into the sparse neighbour table serving reads.

The inverse is dense (items x items), so the model covers the ``max_items`` items with the
most positive users (10k items is ~800 MB of float64 work); the long tail keeps its
co-occurrence neighbours.
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass

import numpy as np
import psycopg

log = logging.getLogger(__name__)

SOURCE = "ease"


def fit_ease(users: np.ndarray, items: np.ndarray, n_items: int, lam: float = 500.0) -> np.ndarray:
    """EASE weights B (n_items x n_items, float32, zero diagonal) from binary (user, item) pairs.

    ``users`` and ``items`` are 0-based indexes; repeated pairs count once.
    """
    if len(users) == 0:
        return np.zeros((n_items, n_items), np.float32)
    n_users = int(users.max()) + 1
    x = np.zeros((n_users, n_items), np.float64)
    x[users, items] = 1.0
    gram = x.T @ x
    gram[np.diag_indices(n_items)] += lam
    p = np.linalg.inv(gram)
    b = p / (-np.diag(p))
    b[np.diag_indices(n_items)] = 0.0
    return b.astype(np.float32)


def item_item_knn(users: np.ndarray, items: np.ndarray, n_items: int) -> np.ndarray:
    """Cosine item-item similarity on the binary user-item matrix (zero diagonal): ItemKNN."""
    if len(users) == 0:
        return np.zeros((n_items, n_items), np.float32)
    n_users = int(users.max()) + 1
    x = np.zeros((n_users, n_items), np.float32)
    x[users, items] = 1.0
    gram = x.T @ x
    norms = np.sqrt(np.diag(gram)).copy()
    norms[norms == 0] = 1.0
    sim = gram / norms[:, None] / norms[None, :]
    sim[np.diag_indices(n_items)] = 0.0
    return sim.astype(np.float32)


def top_neighbors(weights: np.ndarray, k: int = 50) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's k largest positive off-diagonal entries: (row, column, weight) arrays."""
    n = weights.shape[0]
    k = min(k, max(n - 1, 1))
    cols = np.argpartition(-weights, k - 1, axis=1)[:, :k] if n > 1 else np.zeros((n, 0), np.int64)
    rows = np.repeat(np.arange(n), cols.shape[1])
    cols = cols.ravel()
    vals = weights[rows, cols]
    keep = (vals > 0) & (rows != cols)
    return rows[keep], cols[keep], vals[keep]


@dataclass
class StoreResult:
    items: int
    rows: int
    seconds: float


def train_and_store(conn: psycopg.Connection, lam: float = 500.0, k: int = 50, max_items: int = 10_000,
                    source: str = SOURCE) -> StoreResult:
    """Fit EASE on the positive events (as of rec.now()) and replace the ``source`` neighbour rows.

    Runs in one transaction on ``conn``: readers see the old rows until it commits. Needs
    write access to pgrec.item_neighbors (an operator connection, like migrations).
    """
    started = time.perf_counter()
    with conn.transaction():
        top = conn.execute("""
            SELECT item_id FROM (
                SELECT e.item_id, count(DISTINCT e.user_id) AS n
                FROM pgrec.weighted_events e
                WHERE e.polarity > 0 AND e.occurred_at <= rec.now()
                GROUP BY e.item_id) AS t
            WHERE n >= 2
            ORDER BY n DESC, item_id
            LIMIT %s""", (max_items,)).fetchall()
        item_ids = np.array([r[0] for r in top], np.int64)
        index = {int(i): n for n, i in enumerate(item_ids)}
        pairs = conn.execute("""
            SELECT DISTINCT e.user_id, e.item_id
            FROM pgrec.weighted_events e
            WHERE e.polarity > 0 AND e.occurred_at <= rec.now() AND e.item_id = ANY(%s)""",
                             (item_ids.tolist(),)).fetchall()
        user_index: dict[int, int] = {}
        users = np.array([user_index.setdefault(u, len(user_index)) for u, _ in pairs], np.int64)
        items = np.array([index[i] for _, i in pairs], np.int64)
        b = fit_ease(users, items, len(item_ids), lam=lam)
        rows, cols, vals = top_neighbors(b, k)
        conn.execute("DELETE FROM pgrec.item_neighbors WHERE source = %s", (source,))
        # Pairs a model covers replace their co-occurrence rows (one row per pair).
        conn.execute("DELETE FROM pgrec.item_neighbors WHERE item_id = ANY(%s)", (item_ids[np.unique(rows)].tolist(),))
        with conn.cursor().copy("COPY pgrec.item_neighbors (item_id, neighbor_id, score, source) FROM STDIN") as copy:
            for r, c, v in zip(item_ids[rows].tolist(), item_ids[cols].tolist(), vals.tolist()):
                copy.write_row((r, c, v, source))
    result = StoreResult(items=len(item_ids), rows=len(rows), seconds=time.perf_counter() - started)
    log.info("EASE: %d items, %d neighbour rows in %.1fs", result.items, result.rows, result.seconds)
    return result


def main(argv: list[str] | None = None) -> int:
    """``python -m app.models.ease``: fit and store EASE neighbours in the configured database."""
    from app.db import connect

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lambda", dest="lam", type=float, default=500.0)
    parser.add_argument("-k", type=int, default=50, help="neighbours kept per item")
    parser.add_argument("--max-items", type=int, default=10_000)
    args = parser.parse_args(argv)
    with connect() as conn:
        result = train_and_store(conn, lam=args.lam, k=args.k, max_items=args.max_items)
    print(f"ease: {result.items} items, {result.rows} neighbour rows, {result.seconds:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
