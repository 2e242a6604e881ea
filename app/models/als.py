"""Implicit ALS (Hu, Koren and Volinsky, 2008) with the ``implicit`` library — the refresh
step ``als``, for catalogues beyond EASE's dense inverse.

Every user and item gets 64 latent factors whose inner product predicts interest, fitted to
the strengths of ``rec.model_interactions('als')`` as confidences (1 + alpha x strength). The
fit stores the factors in pgvector columns (pgrec.user_factors, pgrec.item_factors, HNSW on
inner product) and each user's best ``candidates`` items they have not interacted with
(pgrec.user_candidates): the feed's signal ``als``. A user the fit has not seen gets the items
nearest the mean factor of their liked items, from the HNSW index, in SQL.

Regularisation and alpha are chosen on the same time hold-out as EASE's lambda, from a small
grid around the parameters; the random seed is fixed so a fit is reproducible.
"""

from __future__ import annotations

import logging
import os
import time

import numpy as np
import psycopg

from app.models import interactions, store

log = logging.getLogger("pgrec.models.als")

FACTORS = 64  # the width of pgrec.item_factors.factor / user_factors.factor

__all__ = ["FACTORS", "fit", "fit_factors"]


def fit_factors(user_items, regularization: float, alpha: float, iterations: int, seed: int = 0):
    """(user factors, item factors) as float32 arrays."""
    # implicit warns when BLAS runs its own threads inside its parallel loops; one BLAS thread
    # is what it wants and what keeps the fit deterministic.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from threadpoolctl import threadpool_limits
    from implicit.cpu.als import AlternatingLeastSquares

    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(factors=FACTORS, regularization=regularization, alpha=alpha,
                                        iterations=iterations, random_state=seed, calculate_training_loss=False)
        model.fit(user_items.astype(np.float32), show_progress=False)
    return np.asarray(model.user_factors, np.float32), np.asarray(model.item_factors, np.float32)


def _ndcg(user_factors, item_factors, split, k: int = 20) -> float:
    scores = user_factors[split.users] @ item_factors.T
    return interactions.ndcg_at(scores, split.train[split.users], split.held_out, k)


def fit(conn: psycopg.Connection, model: str = "als", should_stop=lambda: False, reuse: bool = False) -> tuple[int, str]:
    """Fit ALS as of rec.now() and replace the stored factors and candidates, in one transaction.
    With ``reuse``, keep the regularisation and alpha the previous fit chose."""
    started = time.perf_counter()
    params, previous = conn.execute("SELECT parameters, metrics FROM rec.models() WHERE name = %s", (model,)).fetchone()
    data = interactions.load(conn, model)
    reg = float(params.get("regularization", 0.05))
    alpha = float(params.get("alpha", 10))
    iterations = int(params.get("iterations", 15))
    metrics: dict = {"factors": FACTORS, "iterations": iterations}
    if data.events == 0 or data.matrix.shape[1] < 2:
        with conn.transaction():
            store.clear(conn, model)
            store.record(conn, model, time.perf_counter() - started, 0, 0, 0, {"note": "no interactions to fit"}, data.last_event_id)
        return 0, "too little data: no interactions"
    if reuse and previous and previous.get("regularization") is not None:
        reg, alpha = float(previous["regularization"]), float(previous["alpha"])
        metrics.update(chosen_by="the previous fit")
    else:
        split = interactions.holdout(data)
        if len(split):
            # Regularisation first, then alpha at the best regularisation: five fits, not nine.
            tried: dict[tuple[float, float], float] = {}

            def trial(r: float, a: float) -> float:
                if (r, a) not in tried:
                    uf, itf = fit_factors(split.train, r, a, iterations)
                    tried[(r, a)] = round(_ndcg(uf, itf, split), 5)
                return tried[(r, a)]

            reg = max((reg / 4, reg, reg * 4), key=lambda r: (trial(r, alpha), -r))
            alpha = max((alpha / 4, alpha, alpha * 4), key=lambda a: (trial(reg, a), -a))
            if should_stop():
                return 0, "stopped before storing"
            metrics.update(validation_users=len(split),
                           **{"ndcg@20 by regularization/alpha": {f"{r:g}/{a:g}": v for (r, a), v in tried.items()}})
    metrics.update(regularization=reg, alpha=alpha)
    user_factors, item_factors = fit_factors(data.matrix, reg, alpha, iterations)
    n_candidates = int(params.get("candidates", 200))
    with conn.transaction():
        store.clear(conn, model)
        store.store_factors(conn, "item", data.item_ids, item_factors)
        store.store_factors(conn, "user", data.user_ids, user_factors)
        stored_users = 0
        for start in range(0, len(data.user_ids), 2000):
            rows = np.arange(start, min(start + 2000, len(data.user_ids)))
            scores = user_factors[rows] @ item_factors.T
            r, c = data.matrix[rows].nonzero()
            scores[r, c] = -np.inf
            best = interactions.top_k(scores, n_candidates)
            stored_users += store.store_user_candidates(conn, model, data.user_ids[rows], data.item_ids, best,
                                                        np.take_along_axis(scores, best, axis=1))
        seconds = time.perf_counter() - started
        metrics.update(candidate_users=stored_users)
        store.record(conn, model, seconds, data.events, len(data.user_ids), len(data.item_ids), metrics, data.last_event_id)
    log.info("als: %d users x %d items, reg %g alpha %g, in %.1fs", len(data.user_ids), len(data.item_ids), reg,
             alpha, seconds)
    return stored_users, f"{len(data.item_ids)} items, regularization {reg:g}, alpha {alpha:g}"
