"""Replay through pgrec: load the training events into a fresh database, then ask ``rec.feed``
for each evaluated user as of the moment of their first held-out event.

A fresh database on the configured server gets the catalogue and the training events through
the public ``rec`` functions, then ``rec.refresh()`` as of the end of training (optionally an
EASE model). Each evaluated user's feed is asked for with ``rec.as_of`` set to the moment of
their first held-out event, so recency, history decay and "not yet published" are exactly as
they were then. Derived data (item stats, neighbours, trending) is computed once from all
training events, as every baseline is trained once on the same set. Nothing here ranks
anything itself: every pgrec number comes from ``rec.feed``.
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


def _iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).isoformat()


def embed_items(url: str, log=print) -> int:
    """Embed the catalogue with the configured provider (offline feature hashing unless an
    OpenAI key or another provider is configured): item content only, no interactions."""
    from app.embeddings import get_provider
    from app.embeddings.worker import database_dim, embed_pending

    with db.connect(url) as conn:
        provider = get_provider(dim=database_dim(conn))
        result = embed_pending(conn, provider, batch_size=512)
    log(f"embedded {result.embedded} items with the {provider.name} provider")
    return result.embedded


def load(url: str, ds: Dataset, sp: Split, log=print, embed: bool = True) -> None:
    """Catalogue (embedded) and training events through the rec API, then a refresh as of the
    end of training."""
    end = sp.train[-1].at if sp.train else datetime.now(timezone.utc)
    with db.connect(url) as conn:
        # Replay clock: rec.track refuses events "in the future" of rec.now().
        conn.execute("SELECT set_config('rec.as_of', %s, false)", (_iso(end),))
        for start in range(0, len(ds.items), 1000):
            conn.execute("SELECT rec.upsert_items(%s::jsonb)", (json.dumps(ds.items[start:start + 1000]),))
        for start in range(0, len(ds.users), 1000):
            conn.execute("SELECT rec.upsert_users(%s::jsonb)", (json.dumps(ds.users[start:start + 1000]),))
        batch: list[dict] = []
        for n, e in enumerate(sp.train):
            batch.append({"event_id": f"ev{n}", "user_id": e.user, "item_id": e.item, "type": e.type,
                          "value": e.value, "at": _iso(e.at)})
            if len(batch) == 5000:
                conn.execute("SELECT rec.track(%s::jsonb)", (json.dumps(batch),))
                batch = []
        if batch:
            conn.execute("SELECT rec.track(%s::jsonb)", (json.dumps(batch),))
        log(f"loaded {len(ds.items)} items, {len(sp.train)} training events")
        if embed:
            embed_items(url, log)
        conn.execute("VACUUM ANALYZE")
        steps = conn.execute("SELECT step, outcome FROM rec.refresh()").fetchall()
        failed = [s for s, o in steps if o == "error"]
        if failed:
            raise RuntimeError(f"refresh failed for {failed}")


def replay(url: str, users: list[str], sp: Split, strategies: Sequence[str], ks: Sequence[int],
           catalogue: int) -> list[Result]:
    kmax = max(ks)
    results = []
    with db.connect(url) as conn:
        for strategy in strategies:
            lists: dict[str, list[str]] = {}
            latencies: list[float] = []
            for user in users:
                conn.execute("SELECT set_config('rec.as_of', %s, false)", (_iso(sp.cutoff[user]),))
                started = time.perf_counter()
                rows = conn.execute("SELECT item_id FROM rec.feed(%s, %s, 0, %s)", (user, kmax, strategy)).fetchall()
                latencies.append((time.perf_counter() - started) * 1000)
                lists[user] = [r[0] for r in rows]
            results.append(score_lists(strategy, "strategy", lists, sp.relevant, ks, catalogue, latencies,
                                       train_counts=sp.train_counts))
    return results


def evaluate(ds: Dataset, strategies: Sequence[str] = ("default", "explore", "marketplace", "popular"),
             ks: Sequence[int] = (10, 20), holdout: float = 0.2, min_events: int = 5, max_users: int = 1000,
             baseline_names: Sequence[str] = ("popularity", "itemknn", "ease"), baseline_max_items: int = 6000,
             model: str | None = None, keep: bool = False, seed: int = 0, embed: bool = True,
             log=print) -> Report:
    """Split, load into a fresh database, replay every strategy, compute baselines."""
    sp = split(ds, holdout, min_events)
    users = sorted(sp.relevant)
    if len(users) > max_users:
        users = sorted(random.Random(seed).sample(users, max_users))
    if not users:
        raise ValueError("no user has held-out positive events: nothing to evaluate")
    catalogue = sum(1 for i in ds.items if i.get("status", "active") == "active")
    admin = db.with_database(db.database_url(), "postgres")
    name = f"pgrec_eval_{uuid.uuid4().hex[:10]}"
    notes: list[str] = []
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = db.with_database(admin, name)
    try:
        from app.schema import migrate

        migrate(url)
        load(url, ds, sp, log=log, embed=embed)
        if model == "ease":
            from app.models.ease import train_and_store

            with db.connect(url) as conn:
                conn.execute("SELECT set_config('rec.as_of', %s, false)", (_iso(sp.train[-1].at),))
                stored = train_and_store(conn)
            notes.append(f"EASE neighbours stored for {stored.items} items ({stored.rows} rows)")
        results = replay(url, users, sp, strategies, ks, catalogue)
    finally:
        if keep:
            notes.append(f"database kept: {url}")
        else:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    results += baselines(ds, sp, users, ks, baseline_names, baseline_max_items)
    split_info = {"users": len({e.user for e in ds.events}), "evaluated_users": len(users),
                  "train_events": len(sp.train), "held_out_events": len(ds.events) - len(sp.train),
                  "holdout": holdout, "min_events": min_events, "k": list(ks)}
    return Report(ds.name, split_info, results, notes)
