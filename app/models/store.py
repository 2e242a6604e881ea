"""Writing a fitted model back through the rec API, in the caller's transaction.

Readers keep the previous fit until the transaction commits: :func:`clear` first, then the
neighbour rows, per-user candidates and factors in chunks, then :func:`record`.
"""

from __future__ import annotations

import json

import numpy as np
import psycopg
from pgvector import Vector

from app.models.interactions import top_k

__all__ = ["clear", "record", "store_factors", "store_neighbors", "store_user_candidates"]

CHUNK = 100_000  # values per call: large enough to amortise the round trip, small in memory


def clear(conn: psycopg.Connection, model: str) -> None:
    conn.execute("SELECT rec.clear_model(%s)", (model,))


def store_neighbors(conn: psycopg.Connection, model: str, weights: np.ndarray, item_ids: np.ndarray, k: int) -> int:
    """Each item's k largest positive weights (row = the item, column = its neighbour)."""
    rows_written = 0
    per_chunk = max(1, CHUNK // max(k, 1))
    for start in range(0, weights.shape[0], per_chunk):
        block = np.asarray(weights[start:start + per_chunk], np.float32)
        best = top_k(block, k)
        vals = np.take_along_axis(block, best, axis=1)
        rows = np.repeat(np.arange(start, start + block.shape[0]), best.shape[1])
        keep = vals.ravel() > 0
        rows_written += conn.execute(
            "SELECT rec.store_neighbors(%s, %s::bigint[], %s::bigint[], %s::real[])",
            (model, item_ids[rows[keep]].tolist(), item_ids[best.ravel()[keep]].tolist(),
             vals.ravel()[keep].tolist())).fetchone()[0]
    return rows_written


def store_user_candidates(conn: psycopg.Connection, model: str, user_ids: np.ndarray, item_ids: np.ndarray,
                          best: np.ndarray, scores: np.ndarray) -> int:
    """Per user row: candidate columns ``best`` (best first) and their ``scores``; only
    positive scores are kept."""
    if best.size == 0:
        return 0
    per_chunk = max(1, CHUNK // best.shape[1])
    written = 0
    for start in range(0, best.shape[0], per_chunk):
        b = best[start:start + per_chunk]
        s = scores[start:start + per_chunk]
        users = np.repeat(user_ids[start:start + per_chunk], b.shape[1])
        keep = s.ravel() > 0
        if keep.any():
            written += conn.execute(
                "SELECT rec.store_user_candidates(%s, %s::bigint[], %s::bigint[], %s::real[])",
                (model, users[keep].tolist(), item_ids[b.ravel()[keep]].tolist(),
                 s.ravel()[keep].astype(np.float32).tolist())).fetchone()[0]
    return written


def store_factors(conn: psycopg.Connection, kind: str, ids: np.ndarray, factors: np.ndarray) -> int:
    per_chunk = max(1, CHUNK // max(factors.shape[1], 1))
    written = 0
    for start in range(0, len(ids), per_chunk):
        written += conn.execute(
            "SELECT rec.store_factors(%s, %s::bigint[], %s::vector[])",
            (kind, ids[start:start + per_chunk].tolist(),
             [Vector(f) for f in np.asarray(factors[start:start + per_chunk], np.float32)])).fetchone()[0]
    return written


def record(conn: psycopg.Connection, model: str, seconds: float, training_events: int, users: int,
           items_covered: int, metrics: dict, last_event_id: int) -> None:
    conn.execute("SELECT rec.record_model_fit(%s, %s, %s, %s, %s, %s::jsonb, %s)",
                 (model, seconds, training_events, users, items_covered, json.dumps(metrics), last_event_id))
