"""Baselines in numpy on the same training events, with the feed's exclusions (items the user
touched, items not live at the end of training, the user's own items):

* **popularity** — the items with the most training users;
* **itemknn** — cosine item-item similarity on the binary user-item matrix, each item's k nearest;
* **ease** — Steck's EASE on the binary matrix of all interactions;
* **als** — implicit ALS (the ``implicit`` library), 64 factors.

Each gets the hyperparameters that score best on the evaluation's own held-out events (k,
lambda, regularisation x alpha from small grids): an advantage pgrec, which tunes on its
training events only, does not get. EASE and ItemKNN are dense items x items, so catalogues
beyond ``max_items`` skip them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Sequence

import numpy as np
from scipy import sparse

from app.evaluation.metrics import Result, score_lists
from app.evaluation.readers import Dataset
from app.evaluation.split import Split

EASE_LAMBDAS = (10, 50, 100, 200, 500, 1000, 2000, 5000)
KNN_SIZES = (20, 50, 100, 200, 500)
ALS_GRID = tuple((reg, alpha) for reg in (0.01, 0.1, 1.0) for alpha in (1.0, 10.0, 40.0))


def baselines(ds: Dataset, sp: Split, users: list[str], ks: Sequence[int], names: Sequence[str],
              max_items: int, log=print) -> list[Result]:
    from app.models.ease import ease_weights
    from app.models.als import fit_factors
    from app.models.interactions import top_k

    kmax = max(ks)
    end = sp.train[-1].at.timestamp() if sp.train else 0.0
    live = [i for i in ds.items if i.get("status", "active") == "active"
            and (not i.get("created_at") or datetime.fromisoformat(i["created_at"]).timestamp() <= end)
            and (not i.get("expires_at") or datetime.fromisoformat(i["expires_at"]).timestamp() > end)]
    index = {item["id"]: n for n, item in enumerate(live)}
    ids = np.array([i["id"] for i in live], dtype=object)
    users_all = sorted({e.user for e in sp.train} | set(users))
    uidx = {u: n for n, u in enumerate(users_all)}
    pairs = {(uidx[e.user], index[e.item]) for e in sp.train if e.item in index}
    rows = np.array([p[0] for p in pairs], np.int64)
    cols = np.array([p[1] for p in pairs], np.int64)
    x = sparse.csr_matrix((np.ones(len(pairs), np.float32), (rows, cols)), shape=(len(users_all), len(live)))
    eval_rows = np.array([uidx[u] for u in users], np.int64)
    # The user's own items never count as recommendations either.
    own = [(n, index[i["id"]]) for i in live if i.get("creator_id") in uidx
           for n in np.flatnonzero(np.asarray(users, dtype=object) == i["creator_id"])]
    blocked = x[eval_rows] + sparse.csr_matrix((np.ones(len(own), np.float32),
                                                ([o[0] for o in own], [o[1] for o in own])),
                                               shape=(len(users), len(live)))
    results: list[Result] = []

    def lists_of(scores: np.ndarray) -> dict[str, list[str]]:
        s = np.array(scores, np.float64, copy=True)
        r, c = blocked.nonzero()
        s[r, c] = -np.inf
        best = top_k(s, kmax)
        return {u: [ids[j] for j in best[n] if np.isfinite(s[n, j])] for n, u in enumerate(users)}

    def best_of(name: str, grid: Sequence, scores_for: Callable[[object], np.ndarray], label: str) -> None:
        found: Result | None = None
        for setting in grid:
            result = score_lists(name, "baseline", lists_of(scores_for(setting)), sp.relevant, ks, len(live),
                                 train_counts=sp.train_counts, cold=sp.cold)
            if found is None or result.ndcg[kmax] > found.ndcg[kmax]:
                found, result.note = result, f"{label} {setting} (best on the held-out events)"
        log(f"baseline {name}: {found.note}, NDCG@{kmax} {found.ndcg[kmax]:.4f}")
        results.append(found)

    if "popularity" in names:
        counts = np.asarray(x.sum(axis=0)).ravel()
        # Ties: the lower catalogue position first, deterministically.
        pop = counts - np.arange(len(live)) * 1e-9
        results.append(score_lists("popularity", "baseline", lists_of(np.tile(pop, (len(users), 1))), sp.relevant,
                                   ks, len(live), train_counts=sp.train_counts, cold=sp.cold))
    too_big = len(live) > max_items
    for name in ("itemknn", "ease"):
        if name not in names:
            continue
        if too_big:
            results.append(Result(name, "baseline", {}, {}, 0.0, 0, note=f"skipped: {len(live)} items > {max_items}"))
            continue
        gram = np.asarray((x.T @ x).toarray(), np.float64)
        xe = x[eval_rows]
        if name == "itemknn":
            norms = np.sqrt(np.diag(gram)).copy()
            norms[norms == 0] = 1.0
            sim = gram / norms[:, None] / norms[None, :]
            np.fill_diagonal(sim, 0.0)

            def knn(k: int, sim=sim) -> np.ndarray:
                k = min(k, sim.shape[0] - 1)
                cut = np.partition(sim, -k, axis=1)[:, -k][:, None]
                return np.asarray(xe @ np.where(sim >= cut, sim, 0.0))
            best_of(name, KNN_SIZES, knn, "neighbours")
        else:
            best_of(name, EASE_LAMBDAS, lambda lam: np.asarray(xe @ ease_weights(gram, lam)), "lambda")
    if "als" in names:
        def als(setting) -> np.ndarray:
            uf, itf = fit_factors(x, setting[0], setting[1], 15)
            return uf[eval_rows] @ itf.T
        best_of("als", ALS_GRID, als, "regularization, alpha")
    return results
