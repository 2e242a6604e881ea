"""``pgrec tune``: fit the installation's blend by replaying its own events.

No hand-set constant should decide what a feed shows, so the blend is fitted per installation:

1. **Hold out** (one transaction that can only roll back, ``rec.replay_split``): for a
   deterministic sample of users, their latest 20 % of events; one sampled user in three
   becomes a newcomer who keeps only their first 3 events.
2. **Refit** every refresh step on what is left, in that transaction: the SQL item-item
   model, EASE, ALS, statistics, trending — exactly what serving reads.
3. **Pool**: each validation user's feed candidates with every signal's value
   (``rec.feed_candidates``), drawn from every candidate source at once.
4. **Search** the weights (coordinate ascent from several starts, deterministic) for NDCG@20
   of the held-out items, separately for newcomers: on each half of the validation users and on
   all of them; what is kept is the mean of the three.
5. **Validate** with ``rec.feed`` itself, two-fold: each half's weights judged on the other half
   (with and without the preset's diversity, with two pool sizes), against the preset on the
   same users, so the verdict is out of sample and includes everything serving does.
6. **Roll back** and write the winner as strategies ``tuned`` (warm users) and ``tuned_cold``
   (newcomers), with what replay measured. ``rec.feed`` without a strategy serves ``tuned``
   only when it beat ``default`` (``metrics.better``); a fit that does not is stored for
   inspection and never served.

Too little data (fewer than :data:`MIN_USERS` users with five events): says so, keeps the preset.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import psycopg

log = logging.getLogger("pgrec.tune")

__all__ = ["MIN_USERS", "Pools", "TuneResult", "search_weights", "tune"]

K = 20                 # the cut-off the blend is fitted for (NDCG@20)
MIN_GAIN = 0.002       # the relative NDCG gain a step of the weight search must bring
MIN_USERS = 30         # validation users with held-out items needed to fit anything
POOL_N = 200           # a feed page this long sizes the probe pool
#: The probe blend: every candidate source proposes items (a source needs weight >= 0.05),
#: the models most. Only the pool depends on it; values are the signals' own.
PROBE_WEIGHTS = {"ease": 0.2, "als": 0.2, "collaborative": 0.2, "popularity": 0.1, "sequence": 0.05,
                 "tags": 0.05, "vector": 0.05, "trending": 0.05, "contemporary": 0.05, "engagement": 0.03,
                 "recency": 0.03, "explicit": 0.02, "behavioral": 0.01, "velocity": 0.01}
NOT_REPLAYED = {"embeddings", "tune"}  # steps that do not depend on events (or are this one)
#: Ranking parameters tried beside the fitted weights: the preset's diversity or none, and a
#: larger candidate pool.
VARIANTS = ({}, {"diversity_penalty": 0, "max_per_category": 10}, {"candidate_limit": 200},
            {"diversity_penalty": 0, "max_per_category": 10, "candidate_limit": 200})


@dataclass
class Pools:
    """Validation users' candidate pools as dense arrays: users x pool slots (x signals)."""

    users: list[str]
    signals: list[str]
    values: np.ndarray      # users x slots x signals, float32
    valid: np.ndarray       # users x slots: a real, eligible candidate
    relevant: np.ndarray    # users x slots: one of the user's held-out items
    tiebreak: np.ndarray    # users x slots: engagement, the feed's tie-break
    n_relevant: np.ndarray  # users: held-out items in all (in the pool or not)

    def recall(self, rows: np.ndarray | None = None) -> float:
        """Share of held-out items the pool holds at all (what no blend can exceed)."""
        rows = np.arange(len(self.users)) if rows is None else rows
        found = (self.relevant & self.valid)[rows].sum(axis=1)
        return float(np.mean(found / np.maximum(self.n_relevant[rows], 1))) if len(rows) else 0.0


def pools_from_rows(rows: dict[str, list[tuple[str, str | None, dict]]], held_out: dict[str, set[str]],
                    signals: list[str]) -> Pools:
    users = sorted(u for u in rows if held_out.get(u))
    slots = max((len(rows[u]) for u in users), default=1) or 1
    values = np.zeros((len(users), slots, len(signals)), np.float32)
    valid = np.zeros((len(users), slots), bool)
    relevant = np.zeros((len(users), slots), bool)
    tiebreak = np.zeros((len(users), slots), np.float32)
    engagement = signals.index("engagement") if "engagement" in signals else None
    for n, user in enumerate(users):
        for m, (item, excluded, values_of) in enumerate(rows[user]):
            values[n, m] = [values_of.get(s) or 0.0 for s in signals]
            valid[n, m] = excluded is None
            relevant[n, m] = item in held_out[user]
            if engagement is not None:
                tiebreak[n, m] = values[n, m, engagement]
    return Pools(users, signals, values, valid, relevant, tiebreak,
                 np.array([len(held_out[u]) for u in users], np.int64))


def ndcg_per_user(pools: Pools, rows: np.ndarray, weights: np.ndarray, k: int = K) -> np.ndarray:
    """NDCG@k of each user in ``rows`` when their pool is ranked by ``weights``."""
    if len(rows) == 0:
        return np.zeros(0)
    scores = pools.values[rows] @ weights.astype(np.float32)
    scores = np.where(pools.valid[rows], scores + 1e-7 * pools.tiebreak[rows], -np.inf)
    k = min(k, scores.shape[1])
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
    top = np.take_along_axis(top, order, axis=1)
    hits = np.take_along_axis(pools.relevant[rows] & pools.valid[rows], top, axis=1)
    hits &= np.isfinite(np.take_along_axis(scores, top, axis=1))
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = np.cumsum(discounts)[np.minimum(pools.n_relevant[rows], k) - 1]
    return (hits * discounts).sum(axis=1) / ideal


def search_weights(pools: Pools, rows: np.ndarray, starts: list[dict[str, float]],
                   rounds: int = 4) -> tuple[dict[str, float], float]:
    """Coordinate ascent on the weights from each start; the best (weights summing to 1, NDCG).

    Each round tries every signal at 0, 1/4, 1/2, 2 and 4 times its weight (a signal at 0 at
    2 %, 10 % and 30 % of the total) and keeps a change only when it improves the mean NDCG by
    :data:`MIN_GAIN`; deterministic: the same pools always give the same weights."""
    present = [j for j in range(len(pools.signals)) if np.any(pools.values[rows][..., j] > 0)]

    def value(w: np.ndarray) -> float:
        return float(ndcg_per_user(pools, rows, w).mean()) if w.sum() > 0 else 0.0

    best_w, best_v = np.zeros(len(pools.signals)), -1.0
    for start in starts:
        w = np.array([float(start.get(s, 0.0)) for s in pools.signals])
        w[[j for j in range(len(w)) if j not in present]] = 0.0
        if w.sum() <= 0:
            continue
        w /= w.sum()
        v = value(w)
        for _ in range(rounds):
            improved = False
            for j in present:
                total = w.sum()
                options = [w[j] * f for f in (0.0, 0.25, 0.5, 2.0, 4.0)] if w[j] > 0 else [total * f for f in (0.02, 0.1, 0.3)]
                for option in options:
                    trial = w.copy()
                    trial[j] = option
                    tv = value(trial)
                    # A change must gain a little (0.2 %), not just any noise of a few users.
                    if tv > v * (1 + MIN_GAIN) + 1e-9:
                        w, v, improved = trial, tv, True
            if not improved:
                break
        if v > best_v:
            best_w, best_v = w / w.sum(), v
    weights = {s: round(float(x), 4) for s, x in zip(pools.signals, best_w) if x >= 1e-4}
    return weights, best_v


@dataclass
class TuneResult:
    tuned: bool                                # a blend was fitted and stored
    better: bool = False                       # ... and it beat the preset (served by default)
    message: str = ""
    metrics: dict = field(default_factory=dict)
    weights: dict = field(default_factory=dict)
    cold_weights: dict = field(default_factory=dict)
    seconds: float = 0.0


def _refit(conn: psycopg.Connection, progress: Callable[[str], None]) -> None:
    from app.models import FITS

    for step, runner, enabled in conn.execute("SELECT step, runner, enabled FROM rec.refresh_status()").fetchall():
        if not enabled or step in NOT_REPLAYED:
            continue
        started = time.perf_counter()
        if runner == "sql":
            outcome = conn.execute("SELECT outcome FROM rec.refresh(%s)", (step,)).fetchone()[0]
            if outcome != "ok":
                raise RuntimeError(f"refresh step {step} did not run in the replay ({outcome})")
        else:
            kind = conn.execute("SELECT kind FROM rec.models() WHERE name = %s", (step,)).fetchone()
            if kind is None or kind[0] not in FITS:
                continue
            # The hyperparameters the last real fit chose on its own hold-out: the replay
            # refits on nearly the same events and need not search them again.
            FITS[kind[0]](conn, step, reuse=True)
        progress(f"  refit {step} in {time.perf_counter() - started:.1f}s")


def _pools(conn: psycopg.Connection, users: list[str], held_out: dict[str, set[str]], signals: list[str]) -> Pools:
    rows: dict[str, list] = {}
    probe = json.dumps(PROBE_WEIGHTS)
    for user in users:
        rows[user] = conn.execute(
            "SELECT item_id, excluded, signals FROM rec.feed_candidates(%s, 'default', %s::jsonb, %s)",
            (user, probe, POOL_N)).fetchall()
    return pools_from_rows(rows, held_out, signals)


def _feed_ndcg(conn: psycopg.Connection, users: list[str], held_out: dict[str, set[str]],
               strategy: str) -> dict[str, float]:
    """NDCG@K of rec.feed itself, per user, for a strategy."""
    discounts = 1.0 / np.log2(np.arange(2, K + 2))
    scores = {}
    for user in users:
        items = [r[0] for r in conn.execute("SELECT item_id FROM rec.feed(%s, %s, 0, %s)", (user, K, strategy))]
        relevant = held_out[user]
        dcg = sum(d for d, item in zip(discounts, items) if item in relevant)
        scores[user] = float(dcg / discounts[:min(K, len(relevant))].sum())
    return scores


def tune(conn: psycopg.Connection, users: int = 600, cold_users: int = 300, seed: int = 0,
         progress: Callable[[str], None] = print) -> TuneResult:
    """Fit and store the blend (see the module docstring). ``conn`` is autocommit."""
    started = time.perf_counter()
    eligible = conn.execute("""
        SELECT count(*) FROM (SELECT user_id FROM rec.model_interactions('itemknn')
                              GROUP BY user_id HAVING count(*) >= 5) AS u""").fetchone()[0]
    if eligible < MIN_USERS:
        message = (f"too little data to tune: {eligible} users with 5 or more interactions (at least {MIN_USERS} "
                   "needed); the feed keeps the preset blend")
        progress(message)
        return TuneResult(False, message=message, seconds=time.perf_counter() - started)

    steps = [s for (s,) in conn.execute("SELECT step FROM rec.refresh_status() ORDER BY position")]
    locked = [s for s in steps if conn.execute("SELECT rec.lock_step(%s)", (s,)).fetchone()[0]]
    try:
        if len(locked) < len(steps):
            busy = sorted(set(steps) - set(locked))
            raise RuntimeError(f"refresh steps are running elsewhere ({', '.join(busy)}); try again when they finish")
        result = _replay(conn, users, cold_users, seed, progress)
    finally:
        for s in locked:
            conn.execute("SELECT rec.unlock_step(%s)", (s,))
    result.seconds = time.perf_counter() - started
    progress(f"tune finished in {result.seconds:.0f}s: {result.message}")
    return result


def _replay(conn: psycopg.Connection, users: int, cold_users: int, seed: int,
            progress: Callable[[str], None]) -> TuneResult:
    presets = {name: weights for name, weights in
               conn.execute("SELECT name, weights FROM rec.strategies() WHERE list = 'feed'")}
    with conn.transaction():
        clock = time.perf_counter()
        split = conn.execute("SELECT user_id, cold, held_out FROM rec.replay_split(%s, %s, 0.2, 3, %s)",
                             (users, cold_users, seed)).fetchall()
        held_out = {u: set(h) for u, _, h in split if h}
        cold = {u for u, c, h in split if c and h}
        progress(f"replay: {len(held_out) - len(cold)} users hold out their latest 20 %, {len(cold)} newcomers "
                 f"keep their first 3 events")
        _refit(conn, progress)
        signals = list(conn.execute("SELECT to_jsonb(NULL::rec.signals)").fetchone()[0] or {}) or \
            list(conn.execute("SELECT signals FROM rec.feed_candidates(%s, 'default', NULL, 1) LIMIT 1",
                              (next(iter(held_out)),)).fetchone()[0])
        pools = _pools(conn, sorted(held_out), held_out, signals)
        progress(f"pooled {len(pools.users)} users' candidates in {time.perf_counter() - clock:.0f}s "
                 f"(the pool holds {pools.recall():.0%} of the held-out items)")
        is_cold = np.array([u in cold for u in pools.users])
        fold = _fold(pools.users, seed)
        # Weights fitted on each half (to be judged on the other) and on everyone (to keep).
        fitted: dict[str, dict] = {}
        for group, members in (("warm", ~is_cold), ("cold", is_cold)):
            preset = presets["default" if group == "warm" else "cold_start"]
            everyone = np.flatnonzero(members)
            alone = {s: round(float(ndcg_per_user(pools, everyone, np.eye(len(signals))[j]).mean()), 5)
                     for j, s in enumerate(signals) if np.any(pools.values[everyone][..., j] > 0)} if len(everyone) else {}
            starts = [preset, PROBE_WEIGHTS, *({s: 1.0} for s in sorted(alone, key=lambda s: -alone[s])[:3])]

            def fit_on(rows: np.ndarray) -> dict[str, float]:
                return search_weights(pools, rows, starts)[0] if len(rows) >= 5 else dict(preset)

            folds = [fit_on(np.flatnonzero(members & (fold != f))) for f in (0, 1)]
            # What is kept: the mean of the fit on everyone and the two halves' fits, which is
            # steadier than any one of them on a few hundred users.
            weights = _mean_weights([fit_on(everyone), *folds])
            value = float(ndcg_per_user(pools, everyone, np.array([weights.get(s, 0.0) for s in signals])).mean()) \
                if len(everyone) else 0.0
            fitted[group] = {"weights": weights, "folds": folds,
                             "pool_ndcg": round(value, 5), "alone": alone, "users": int(len(everyone)),
                             "pool_recall": round(pools.recall(everyone), 4)}
            progress(f"{group} ({len(everyone)} users): pool NDCG@{K} {value:.4f} with "
                     + ", ".join(f"{s} {w:.2f}" for s, w in sorted(weights.items(), key=lambda x: -x[1])))
        # Serving parameters, and the verdict: each half's weights judged with rec.feed itself on
        # the other half, so every figure is out of sample and includes everything serving does.
        halves = [[u for u, f in zip(pools.users, fold) if f == h] for h in (0, 1)]
        best_variant, best_value, scores = None, -1.0, {}
        for variant in VARIANTS:
            per_user: dict[str, float] = {}
            for h in (0, 1):
                _store(conn, {g: fitted[g]["folds"][h] for g in fitted}, variant, {"better": False})
                per_user.update(_feed_ndcg(conn, halves[h], held_out, "tuned"))
            scores[json.dumps(variant)] = per_user
            value = float(np.mean(list(per_user.values())))
            progress(f"  ranking {variant or 'as the preset'}: NDCG@{K} {value:.4f} (cross-validated)")
            if value > best_value + 1e-6:
                best_variant, best_value = variant, value
        tuned_scores = scores[json.dumps(best_variant)]
        preset_scores = _feed_ndcg(conn, pools.users, held_out, "default")
        raise psycopg.Rollback()

    def mean(values: dict[str, float], who) -> float | None:
        chosen = [v for u, v in values.items() if who(u)]
        return round(float(np.mean(chosen)), 5) if chosen else None

    tuned_all, preset_all = mean(tuned_scores, lambda u: True), mean(preset_scores, lambda u: True)
    better = bool(tuned_all > preset_all)
    metrics = {
        "better": better, "k": K, "validation_users": len(pools.users), f"ndcg@{K}": tuned_all,
        f"preset_ndcg@{K}": preset_all,
        "newcomers": {"users": len(cold & set(pools.users)), f"ndcg@{K}": mean(tuned_scores, cold.__contains__),
                      f"preset_ndcg@{K}": mean(preset_scores, cold.__contains__)},
        "parameters": best_variant, "as_of": conn.execute("SELECT rec.now()::text").fetchone()[0],
    }
    with conn.transaction():
        _store(conn, {g: fitted[g]["weights"] for g in fitted}, best_variant, metrics,
               {g: {k: v for k, v in fitted[g].items() if k not in ("weights", "folds")} for g in fitted})
    verdict = "served by default" if better else "NOT served: the preset did better"
    message = (f"tuned NDCG@{K} {tuned_all:.4f} vs preset {preset_all:.4f} on {len(pools.users)} held-out users, "
               f"cross-validated ({verdict})")
    return TuneResult(True, better, message, metrics, fitted["warm"]["weights"], fitted["cold"]["weights"])


def _mean_weights(fits: list[dict[str, float]]) -> dict[str, float]:
    """The mean of weight sets (each summing to 1), rounded like search_weights' own."""
    signals = sorted({s for fit in fits for s in fit})
    mean = {s: sum(fit.get(s, 0.0) / (sum(fit.values()) or 1) for fit in fits) / len(fits) for s in signals}
    return {s: round(w, 4) for s, w in mean.items() if w >= 1e-4}


def _fold(users: list[str], seed: int) -> np.ndarray:
    """A deterministic half of the users (by a hash of id and seed): the validation half."""
    import hashlib

    return np.array([hashlib.sha256(f"{seed}:fold:{u}".encode()).digest()[0] % 2 == 1 for u in users])


def _store(conn: psycopg.Connection, weights: dict[str, dict], variant: dict, metrics: dict,
           details: dict | None = None) -> None:
    """Strategies tuned_cold (newcomers) and tuned (everyone else, cold_start tuned_cold)."""
    details = details or {}
    conn.execute("SELECT rec.store_tuned_strategy('tuned_cold', 'cold_start', %s::jsonb, %s::jsonb, %s::jsonb)",
                 (json.dumps(weights["cold"]), json.dumps(variant), json.dumps({**metrics, **details.get("cold", {})})))
    conn.execute("SELECT rec.store_tuned_strategy('tuned', 'default', %s::jsonb, %s::jsonb, %s::jsonb)",
                 (json.dumps(weights["warm"]), json.dumps({**variant, "cold_start": "tuned_cold"}),
                  json.dumps({**metrics, **details.get("warm", {})})))
