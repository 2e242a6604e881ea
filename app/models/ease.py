"""EASE (Steck, 2019): a closed-form linear item-item model — the refresh step ``ease``.

EASE learns an item-item weight matrix B with a zero diagonal minimising
``||X - X B||^2 + lambda ||B||^2`` over the users x items strength matrix X, which has the
closed form

    P = (X^T X + lambda I)^-1,    B = -P / diag(P)   (columnwise),   diag(B) = 0.

A user's score for item j is the sum over their items h of x_h B[h, j]. The fit stores:

* per user, the best ``candidates`` items they have not interacted with (pgrec.user_candidates)
  — the feed's signal ``ease`` and a candidate source, computed over the whole history;
* per item, its ``neighbors`` largest positive weights B[h, j] (pgrec.item_neighbors, source
  ``ease``): what serving adds for events since the fit, and what similar items and sessions use.

X holds the strengths of ``rec.model_interactions('ease')`` (event types weighted, decayed), not
just likes. The inverse is dense, so the model covers the ``max_items`` items with the most
users (6,000 items: ~300 MB and a few seconds per inversion here); the long tail keeps the
SQL item-item model and ALS. lambda is chosen per installation on a time hold-out (each sampled
user's latest 20 %) from ``lambdas``, refined around the best, and recorded with its NDCG.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import psycopg
from scipy.linalg import lapack

from app.models import interactions, store
from app.models.interactions import Interactions

log = logging.getLogger("pgrec.models.ease")

__all__ = ["ease_weights", "fit"]


def ease_weights(gram: np.ndarray, lam: float) -> np.ndarray:
    """B (float32) from the Gram matrix X^T X (not modified) for one lambda."""
    g = np.array(gram, np.float32, copy=True)
    g[np.diag_indices_from(g)] += lam
    # The Gram matrix plus lambda I is symmetric positive definite: invert it through its
    # Cholesky factor (LAPACK potrf + potri, a third of a general inverse's work). Single
    # precision halves the time again; the weights need no more than six digits.
    factor, info = lapack.spotrf(g, lower=False, overwrite_a=True, clean=False)
    if info == 0:
        p, info = lapack.spotri(factor, lower=False, overwrite_c=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"EASE: the Gram matrix plus lambda {lam} is not positive definite ({info})")
    p = np.triu(p) + np.triu(p, 1).T  # potri fills the upper triangle only
    b = p / (-np.diag(p))
    np.fill_diagonal(b, 0.0)
    return b


def _gram(x) -> np.ndarray:
    return np.asarray((x.T @ x).toarray(), np.float32)


def _scores(x, b: np.ndarray) -> np.ndarray:
    return np.asarray(x @ b)


def choose_lambda(data: Interactions, columns: np.ndarray, grid: list[float], k: int = 20) -> tuple[float, dict]:
    """The lambda with the best NDCG@k on the time hold-out, from the grid and then halfway
    (geometrically) to the best's neighbours; with the score of every one tried."""
    split = interactions.holdout(data)
    if len(split) == 0:
        return float(sorted(grid)[len(grid) // 2]), {"note": "no user with 3 or more interactions to validate on"}
    train = split.train[:, columns]
    gram = _gram(train)
    val_rows = train[split.users]
    held = [np.flatnonzero(np.isin(columns, h)) for h in split.held_out]
    tried: dict[float, float] = {}

    def score(lam: float) -> float:
        lam = float(round(lam, 1))
        if lam not in tried:
            tried[lam] = interactions.ndcg_at(_scores(val_rows, ease_weights(gram, lam)), val_rows, held, k)
        return tried[lam]

    grid = sorted(float(g) for g in grid)
    for lam in grid:
        score(lam)
    best = max(tried, key=lambda v: (tried[v], -v))
    position = grid.index(best)
    for neighbour in (grid[position - 1] if position > 0 else best / 4,
                      grid[position + 1] if position + 1 < len(grid) else best * 4):
        score(float(np.sqrt(best * neighbour)))
    best = max(tried, key=lambda v: (tried[v], -v))
    return best, {"validation_users": len(split), f"ndcg@{k}": {str(lam): round(v, 5) for lam, v in sorted(tried.items())}}


def fit(conn: psycopg.Connection, model: str = "ease", should_stop=lambda: False, reuse: bool = False) -> tuple[int, str]:
    """Fit EASE as of rec.now() and replace the model's stored rows, in one transaction. With
    ``reuse``, keep the lambda the previous fit chose (when there is one) instead of searching."""
    started = time.perf_counter()
    params, previous = conn.execute("SELECT parameters, metrics FROM rec.models() WHERE name = %s", (model,)).fetchone()
    data = interactions.load(conn, model)
    max_items = int(params.get("max_items", 6000))
    degree = np.diff(data.matrix.tocsc().indptr)
    # The most engaged items with at least two users (one user says nothing about co-occurrence).
    order = np.lexsort((np.arange(len(degree)), -degree))
    columns = np.sort(order[degree[order] >= 2][:max_items])
    metrics: dict = {"items": int(len(columns)), "max_items": max_items}
    if len(columns) < 2:
        with conn.transaction():
            store.clear(conn, model)
            store.record(conn, model, time.perf_counter() - started, data.events, len(data.user_ids), 0,
                         {**metrics, "note": "fewer than two items with two users: nothing to fit"}, data.last_event_id)
        return 0, "too little data: fewer than two items with two users"
    if reuse and previous and previous.get("lambda"):
        lam, validation = float(previous["lambda"]), {"lambda_from": "the previous fit"}
    else:
        lam, validation = choose_lambda(data, columns, list(params.get("lambdas", [50, 200, 800])))
    metrics.update(validation, **{"lambda": lam})
    if should_stop():
        return 0, "stopped before storing"
    x = data.matrix[:, columns]
    b = ease_weights(_gram(x), lam)
    item_ids = data.item_ids[columns]
    n_candidates = int(params.get("candidates", 200))
    with conn.transaction():
        store.clear(conn, model)
        neighbours = store.store_neighbors(conn, model, b, item_ids, int(params.get("neighbors", 50)))
        users_with = np.flatnonzero(np.diff(x.indptr) > 0)
        stored_users = 0
        for start in range(0, len(users_with), 2000):
            rows = users_with[start:start + 2000]
            xr = x[rows]
            scores = _scores(xr, b)
            r, c = xr.nonzero()
            scores[r, c] = -np.inf  # what the user already has is never a candidate
            best = interactions.top_k(scores, n_candidates)
            stored_users += store.store_user_candidates(conn, model, data.user_ids[rows], item_ids, best,
                                                        np.take_along_axis(scores, best, axis=1))
        seconds = time.perf_counter() - started
        metrics.update(neighbour_rows=neighbours, candidate_users=stored_users)
        store.record(conn, model, seconds, data.events, len(data.user_ids), len(columns), metrics, data.last_event_id)
    log.info("ease: %d items, lambda %s, %d neighbour rows, %d users in %.1fs", len(columns), lam, neighbours,
             stored_users, seconds)
    return neighbours, f"{len(columns)} items, lambda {lam:g}, {stored_users} users' candidates"
