"""Baselines in numpy on the same training set, with the feed's exclusions: *popularity* (most
positive users) and, for catalogues up to ``max_items``, *itemknn* (cosine item-item, 100
neighbours) and *ease* (Steck 2019, lambda 500)."""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from app.evaluation.metrics import Result, score_lists
from app.evaluation.readers import Dataset
from app.evaluation.split import Split


def baselines(ds: Dataset, sp: Split, users: list[str], ks: Sequence[int], names: Sequence[str],
              max_items: int) -> list[Result]:
    """Popularity, ItemKNN and EASE on the training set, with the feed's exclusions."""
    import numpy as np

    from app.models.ease import fit_ease, item_item_knn
    kmax = max(ks)
    live = [i for i in ds.items if i.get("status", "active") == "active"]
    index = {item["id"]: n for n, item in enumerate(live)}
    created = np.array([datetime.fromisoformat(i["created_at"]).timestamp() if i.get("created_at") else 0.0
                        for i in live])
    expires = np.array([datetime.fromisoformat(i["expires_at"]).timestamp() if i.get("expires_at") else np.inf
                        for i in live])
    ids = np.array([i["id"] for i in live], dtype=object)
    creator = [i.get("creator_id") for i in live]
    uidx = {u: n for n, u in enumerate(sorted(sp.positives))}
    pu = np.array([uidx[u] for u, its in sp.positives.items() for i in its if i in index], np.int64)
    pi = np.array([index[i] for u, its in sp.positives.items() for i in its if i in index], np.int64)
    results: list[Result] = []

    def rank(scores, user: str) -> list[str]:
        s = scores.astype(np.float64).copy()
        now = sp.cutoff[user].timestamp()
        s[(created > now) | (expires <= now)] = -np.inf
        for item in sp.seen.get(user, ()):
            if item in index:
                s[index[item]] = -np.inf
        for n, c in enumerate(creator):
            if c == user:
                s[n] = -np.inf
        top = np.argsort(-s, kind="stable")[:kmax]
        return [ids[t] for t in top if np.isfinite(s[t])]

    def scored(name: str, lists: dict[str, list[str]]) -> Result:
        return score_lists(name, "baseline", lists, sp.relevant, ks, len(live), train_counts=sp.train_counts)

    if "popularity" in names:
        pop = np.bincount(pi, minlength=len(live)).astype(np.float64)
        # Ties broken by fewer-is-later id order, like rec.feed's deterministic tie-break.
        results.append(scored("popularity", {u: rank(pop, u) for u in users}))
    too_big = len(live) > max_items
    for name in ("itemknn", "ease"):
        if name not in names:
            continue
        if too_big:
            results.append(Result(name, "baseline", {}, {}, 0.0, 0, note=f"skipped: {len(live)} items > {max_items}"))
            continue
        if name == "itemknn":
            sim = item_item_knn(pu, pi, len(live))
            # Keep the 100 nearest neighbours of each item, the classic ItemKNN neighbourhood.
            if sim.shape[0] > 100:
                cut = np.partition(sim, -100, axis=1)[:, -100][:, None]
                sim = np.where(sim >= cut, sim, 0)
            model = sim
        else:
            model = fit_ease(pu, pi, len(live), lam=500.0)
        lists = {}
        for u in users:
            history = [index[i] for i in sp.positives.get(u, []) if i in index]
            scores = model[history].sum(axis=0) if history else np.zeros(len(live), np.float32)
            lists[u] = rank(scores, u)
        results.append(scored(name, lists))
    return results
