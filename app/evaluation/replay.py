"""Replay through pgrec exactly as a new installation would run: a fresh database, the public
contract only, then ask ``rec.feed``.

A fresh database on the configured server is migrated (``alembic upgrade head``), gets the
catalogue and the training events through ``rec.upsert_items`` / ``rec.upsert_users`` /
``rec.track``, then runs ``pgrec refresh`` (every step, the model fits included) and ``pgrec
tune``, all with the replay clock ``rec.as_of`` at the last training event. Every evaluated
user's feed is then asked for at that same moment: ``rec.feed(user, K)`` with no strategy is
the row named ``pgrec`` (what an application gets), beside the presets and each model alone.
Nothing here ranks anything itself: every pgrec number comes from ``rec.feed``.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from datetime import datetime, timezone
from typing import Sequence

import psycopg

from app import db
from app.evaluation.baselines import baselines
from app.evaluation.metrics import Report, Result, score_lists
from app.evaluation.readers import Dataset
from app.evaluation.split import Split, split

#: Rows for each model alone: the feed with only that signal's weight.
MODEL_ROWS = {"itemknn": {"collaborative": 1}, "ease": {"ease": 1}, "als": {"als": 1}}


def _iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).isoformat()


def load(url: str, ds: Dataset, sp: Split, log=print) -> None:
    """Catalogue, users, the quiz answers and follows made by the end of training, and the
    training events, through the rec API, on the replay clock."""
    from app.loader import load_follows, submit_onboarding

    end = sp.train[-1].at if sp.train else datetime.now(timezone.utc)
    with db.connect(url) as conn:
        # Replay clock: rec.track refuses events "in the future" of rec.now().
        conn.execute("SELECT set_config('rec.as_of', %s, false)", (_iso(end),))
        for start in range(0, len(ds.items), 1000):
            conn.execute("SELECT rec.upsert_items(%s::jsonb)", (json.dumps(ds.items[start:start + 1000]),))
        for start in range(0, len(ds.users), 1000):
            conn.execute("SELECT rec.upsert_users(%s::jsonb)", (json.dumps(ds.users[start:start + 1000]),))
        if ds.onboarding:
            submit_onboarding(conn, ds.onboarding, questionnaire=ds.questionnaire, until=_iso(end))
        if ds.follows:
            load_follows(conn, ds.follows, until=_iso(end))
        batch: list[dict] = []
        for n, e in enumerate(sp.train):
            batch.append({"event_id": f"ev{n}", "user_id": e.user, "item_id": e.item, "type": e.type,
                          "value": e.value, "at": _iso(e.at)})
            if len(batch) == 5000:
                conn.execute("SELECT rec.track(%s::jsonb)", (json.dumps(batch),))
                batch = []
        if batch:
            conn.execute("SELECT rec.track(%s::jsonb)", (json.dumps(batch),))
        conn.execute("VACUUM ANALYZE")
    log(f"loaded {len(ds.items)} items, {len(sp.train)} training events")


def fit(url: str, as_of: datetime, tune: bool, log=print) -> list[str]:
    """``pgrec refresh`` then ``pgrec tune`` on the replay clock; notes with their timings."""
    from app.refresh import refresh
    from app.tuning import tune as run_tune

    notes = []
    with db.connect(url) as conn:
        conn.execute("SELECT set_config('rec.as_of', %s, false)", (_iso(as_of),))
        started = time.perf_counter()
        runs = refresh(conn)
        failed = [r.step for r in runs if r.outcome == "error"]
        if failed:
            raise RuntimeError(f"refresh failed for {failed}: {[r.detail for r in runs if r.outcome == 'error']}")
        notes.append(f"pgrec refresh: {time.perf_counter() - started:.1f}s ("
                     + ", ".join(f"{r.step} {r.seconds:.1f}s" for r in runs) + ")")
        log(notes[-1])
        if tune:
            outcome = run_tune(conn, progress=log)
            notes.append(f"pgrec tune: {outcome.seconds:.1f}s, {outcome.message}")
    return notes


def replay(url: str, users: list[str], sp: Split, as_of: datetime, rows: dict[str, tuple[str, str | None, dict | None]],
           ks: Sequence[int], catalogue: int) -> list[Result]:
    """One result per row: name -> (kind, strategy or None, weights override or None)."""
    kmax = max(ks)
    results = []
    with db.connect(url) as conn:
        conn.execute("SELECT set_config('rec.as_of', %s, false)", (_iso(as_of),))
        for name, (kind, strategy, weights) in rows.items():
            lists: dict[str, list[str]] = {}
            latencies: list[float] = []
            for user in users:
                started = time.perf_counter()
                found = conn.execute("SELECT item_id FROM rec.feed(%s, %s, 0, %s, %s::jsonb)",
                                     (user, kmax, strategy, json.dumps(weights) if weights else None)).fetchall()
                latencies.append((time.perf_counter() - started) * 1000)
                lists[user] = [r[0] for r in found]
            results.append(score_lists(name, kind, lists, sp.relevant, ks, catalogue, latencies,
                                       train_counts=sp.train_counts, cold=sp.cold))
    return results


def evaluate(ds: Dataset, strategies: Sequence[str] = ("default",), ks: Sequence[int] = (10, 20),
             holdout: float = 0.2, min_events: int = 5, max_users: int = 1000,
             baseline_names: Sequence[str] = ("popularity", "itemknn", "ease", "als"), baseline_max_items: int = 12000,
             models: Sequence[str] = ("itemknn", "ease", "als"), tune: bool = True, relevant: str = "all",
             cold_share: float = 0.0, keep: bool = False, seed: int = 0, log=print) -> Report:
    """Split, load into a fresh database, refresh and tune, replay every row, fit baselines."""
    sp = split(ds, holdout, min_events, relevant=relevant, cold_share=cold_share, seed=seed)
    users = sorted(sp.relevant)
    if len(users) > max_users:
        users = sorted(random.Random(seed).sample(users, max_users))
    if not users:
        raise ValueError("no user has held-out events new to them: nothing to evaluate")
    as_of = sp.train[-1].at
    catalogue = sum(1 for i in ds.items if i.get("status", "active") == "active")
    admin = db.with_database(db.database_url(), "postgres")
    name = f"pgrec_eval_{uuid.uuid4().hex[:10]}"
    notes: list[str] = []
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = db.with_database(admin, name)
    rows: dict[str, tuple[str, str | None, dict | None]] = {"pgrec": ("tuned" if tune else "strategy", None, None)}
    rows.update({s: ("strategy", s, None) for s in strategies})
    rows.update({f"model {m}": ("model", "default", MODEL_ROWS[m]) for m in models})
    try:
        from app.schema import migrate

        migrate(url)
        load(url, ds, sp, log=log)
        notes += fit(url, as_of, tune, log=log)
        results = replay(url, users, sp, as_of, rows, ks, catalogue)
    finally:
        if keep:
            notes.append(f"database kept: {url}")
        else:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    results += baselines(ds, sp, users, ks, baseline_names, baseline_max_items, log=log)
    split_info = {"users": len({e.user for e in ds.events}), "evaluated_users": len(users),
                  "newcomers": len(sp.cold & set(users)), "train_events": len(sp.train),
                  "held_out_events": len(ds.events) - len(sp.train), "holdout": holdout, "min_events": min_events,
                  "relevant": relevant, "as_of": _iso(as_of), "k": list(ks)}
    return Report(ds.name, split_info, results, notes)
