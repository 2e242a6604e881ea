"""Offline evaluation of the feed: hold out each user's most recent events, replay, measure.

``pgrec evaluate`` (see :func:`main`) does, in order:

1. **Data.** The synthetic generator (:mod:`app.demo`), or files: a ratings/events file and
   optionally an items file. MovieLens layouts are recognised by their shape: ``ratings.csv``
   (``userId,movieId,rating,timestamp``) with ``movies.csv`` (``movieId,title,genres``),
   ML-100k ``u.data`` (tab separated) with ``u.item`` (pipe separated, genre flags), and
   ML-1M ``ratings.dat``/``movies.dat`` (``::``). Any other CSV with a header naming
   ``user_id``, ``item_id`` and optionally ``type``, ``value``, ``at``/``timestamp`` is an
   events file; an items CSV names ``id`` (or ``item_id``), ``title``, ``tags`` (``|``
   separated), ``created_at``. Ratings become ``rate`` events with the rating as value; genres
   become ``category:<genre>`` tags.
2. **Split.** Each user's events in time order; a user with at least ``--min-events`` keeps the
   oldest 80% for training and holds out the most recent 20% (``--holdout``). Users with fewer
   events train only. The held-out *relevant* items are those with a clear positive event
   (like, save, share, apply, complete, or a rating of 4 or more) that the user had not touched
   in training: the feed never re-recommends what a user already interacted with.
3. **Replay.** A fresh database on the configured server gets the catalogue and the training
   events through the public ``rec`` functions, then ``rec.refresh()`` as of the end of
   training (optionally an EASE model, ``--model ease``). Each evaluated user's feed is then
   asked for with ``rec.as_of`` set to the moment of their first held-out event, so recency,
   history decay and "not yet published" are exactly as they were then. Derived data (item
   stats, neighbours, trending) is computed once from all training events, as every baseline
   below is trained once on the same set.
4. **Measure.** For every strategy and for the baselines: Recall@K (hits / relevant),
   NDCG@K (binary gains), catalogue coverage (share of active items recommended to anyone at
   the largest K) and the latency of each ``rec.feed`` call. Baselines are computed in numpy on
   the same training set, with the same exclusions: *popularity* (most positive users), and,
   for catalogues up to ``--baseline-max-items``, *itemknn* (cosine item-item, 100 neighbours)
   and *ease* (Steck 2019, lambda 500).

Nothing here ranks anything itself for pgrec: every pgrec number comes from ``rec.feed``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import statistics
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Sequence

import psycopg

from app import db

POSITIVE_TYPES = frozenset({"like", "save", "share", "apply", "complete"})
RELEVANT_RATING = 4.0
ML100K_GENRES = ("unknown", "action", "adventure", "animation", "children's", "comedy", "crime", "documentary",
                 "drama", "fantasy", "film-noir", "horror", "musical", "mystery", "romance", "sci-fi", "thriller",
                 "war", "western")


@dataclass
class Event:
    user: str
    item: str
    type: str
    value: float | None
    at: datetime


@dataclass
class Dataset:
    """What to evaluate on: a catalogue, optional user records, and events in time order."""

    name: str
    items: list[dict]
    events: list[Event]
    users: list[dict] = field(default_factory=list)


def is_positive(event: Event) -> bool:
    """A clear positive signal: the relevance definition of the evaluation."""
    if event.type == "rate":
        return event.value is not None and event.value >= RELEVANT_RATING
    return event.type in POSITIVE_TYPES


# --- loading ---------------------------------------------------------------------------------

def synthetic(items: int, users: int, events: int, seed: int = 42) -> Dataset:
    """The demo generator's catalogue, users (with their declared preferences) and events."""
    from app.demo import DemoSize, generate

    ds = generate(DemoSize(items=items, users=users, events=events, seed=seed))
    evs = [Event(e["user_id"], e["item_id"], e["type"], e["value"], datetime.fromisoformat(e["at"]))
           for batch in ds.events(10_000) for e in batch]
    return Dataset(f"synthetic {items} items / {users} users / {events} events (seed {seed})", ds.items, evs, ds.users)


def _epoch(value: str) -> datetime:
    return datetime.fromtimestamp(int(float(value)), tz=timezone.utc)


def _parse_time(value: str) -> datetime:
    value = value.strip()
    if value.replace(".", "", 1).isdigit():
        return _epoch(value)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _first_line(path: Path) -> str:
    with open(path, encoding="latin-1") as f:
        return f.readline()


def read_events(path: Path) -> list[Event]:
    """A ratings or events file in any of the recognised layouts (see the module docstring)."""
    first = _first_line(path)
    events: list[Event] = []
    if "::" in first:  # ML-1M ratings.dat: UserID::MovieID::Rating::Timestamp
        with open(path, encoding="latin-1") as f:
            for line in f:
                if line.strip():
                    u, i, r, t = line.strip().split("::")[:4]
                    events.append(Event(u, i, "rate", float(r), _epoch(t)))
    elif "\t" in first and not first.lower().startswith("user"):  # ML-100k u.data
        with open(path, encoding="latin-1") as f:
            for line in f:
                if line.strip():
                    u, i, r, t = line.split("\t")[:4]
                    events.append(Event(u, i, "rate", float(r), _epoch(t)))
    else:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            fields = {name.lower(): name for name in reader.fieldnames or []}
            if {"userid", "movieid", "rating"} <= set(fields):  # MovieLens ratings.csv
                for row in reader:
                    events.append(Event(row[fields["userid"]], row[fields["movieid"]], "rate",
                                        float(row[fields["rating"]]), _epoch(row[fields["timestamp"]])))
            elif {"user_id", "item_id"} <= set(fields):
                when = fields.get("at") or fields.get("timestamp") or fields.get("occurred_at")
                for n, row in enumerate(reader):
                    value = row.get(fields["value"]) if "value" in fields else None
                    rating = row.get(fields["rating"]) if "rating" in fields else None
                    etype = row[fields["type"]] if "type" in fields else ("rate" if rating else "like")
                    events.append(Event(row[fields["user_id"]], row[fields["item_id"]], etype,
                                        float(value or rating) if (value or rating) else None,
                                        _parse_time(row[when]) if when else datetime(2000, 1, 1, tzinfo=timezone.utc)
                                        + timedelta(seconds=n)))
            else:
                raise ValueError(f"{path}: unrecognised events layout (header {first.strip()!r})")
    if not events:
        raise ValueError(f"{path}: no events")
    return events


def read_items(path: Path) -> list[dict]:
    """An items file: MovieLens movies.csv / u.item / movies.dat, or a CSV with id,title,tags."""
    first = _first_line(path)
    items: list[dict] = []
    if "::" in first:  # ML-1M movies.dat: MovieID::Title::Genres
        with open(path, encoding="latin-1") as f:
            for line in f:
                if line.strip():
                    i, title, genres = line.rstrip("\n").split("::")[:3]
                    items.append(_movie(i, title, genres.split("|")))
    elif first.count("|") >= 20:  # ML-100k u.item: id|title|date|video|url|19 genre flags
        with open(path, encoding="latin-1") as f:
            for line in f:
                parts = line.rstrip("\n").split("|")
                if len(parts) >= 24:
                    flags = parts[-19:]
                    items.append(_movie(parts[0], parts[1], [g for g, on in zip(ML100K_GENRES, flags) if on == "1"]))
    else:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            fields = {name.lower(): name for name in reader.fieldnames or []}
            if {"movieid", "title", "genres"} <= set(fields):
                for row in reader:
                    items.append(_movie(row[fields["movieid"]], row[fields["title"]], row[fields["genres"]].split("|")))
            elif ("id" in fields or "item_id" in fields):
                key = fields.get("id") or fields["item_id"]
                for row in reader:
                    item: dict = {"id": row[key]}
                    if "title" in fields:
                        item["title"] = row[fields["title"]]
                    if "tags" in fields and row[fields["tags"]]:
                        item["tags"] = [t for t in row[fields["tags"]].split("|") if t.strip()]
                    if "created_at" in fields and row[fields["created_at"]]:
                        item["created_at"] = _parse_time(row[fields["created_at"]]).isoformat()
                    items.append(item)
            else:
                raise ValueError(f"{path}: unrecognised items layout (header {first.strip()!r})")
    return items


def _movie(movie_id: str, title: str, genres: Sequence[str]) -> dict:
    tags = [f"category:{g.strip().lower()}" for g in genres
            if g.strip() and g.strip().lower() not in {"(no genres listed)", "unknown"}]
    return {"id": movie_id, "title": title.strip(), "tags": tags}


def from_files(events_path: Path, items_path: Path | None = None) -> Dataset:
    events = read_events(events_path)
    items = read_items(items_path) if items_path else []
    known = {i["id"] for i in items}
    items += [{"id": i} for i in sorted({e.item for e in events} - known)]
    events.sort(key=lambda e: e.at)
    # An item without a creation time is taken to exist from a day before its first event
    # (MovieLens has release years only): otherwise a replay would hide it as "not yet published".
    first_seen: dict[str, datetime] = {}
    for e in events:
        first_seen.setdefault(e.item, e.at)
    start = events[0].at
    for item in items:
        if "created_at" not in item:
            item["created_at"] = (first_seen.get(item["id"], start) - timedelta(days=1)).isoformat()
    name = events_path.name + (f" + {items_path.name}" if items_path else "")
    return Dataset(name, items, events)


# --- split -----------------------------------------------------------------------------------

@dataclass
class Split:
    train: list[Event]
    cutoff: dict[str, datetime]        # evaluated user -> time of their first held-out event
    relevant: dict[str, set[str]]      # evaluated user -> held-out positive items new to them
    seen: dict[str, set[str]]          # user -> items touched in training
    positives: dict[str, list[str]]    # user -> positively trained items (baselines)


def split(ds: Dataset, holdout: float = 0.2, min_events: int = 5) -> Split:
    by_user: dict[str, list[tuple[int, Event]]] = defaultdict(list)
    for n, e in enumerate(ds.events):
        by_user[e.user].append((n, e))
    train: list[tuple[int, Event]] = []
    cutoff: dict[str, datetime] = {}
    relevant: dict[str, set[str]] = {}
    seen: dict[str, set[str]] = defaultdict(set)
    positives: dict[str, list[str]] = defaultdict(list)
    for user, evs in by_user.items():
        evs.sort(key=lambda p: (p[1].at, p[0]))
        n_test = max(1, round(len(evs) * holdout)) if len(evs) >= min_events else 0
        head, tail = evs[:len(evs) - n_test], evs[len(evs) - n_test:]
        train += head
        for _, e in head:
            seen[user].add(e.item)
            if is_positive(e) and e.item not in positives[user]:
                positives[user].append(e.item)
        wanted = {e.item for _, e in tail if is_positive(e)} - seen[user]
        if tail and wanted:
            cutoff[user] = tail[0][1].at
            relevant[user] = wanted
    train.sort(key=lambda p: (p[1].at, p[0]))
    return Split([e for _, e in train], cutoff, relevant, seen, positives)


# --- metrics ---------------------------------------------------------------------------------

def recall_ndcg(ranked: Sequence[str], relevant: set[str], k: int) -> tuple[float, float]:
    top = ranked[:k]
    hits = [1 if item in relevant else 0 for item in top]
    recall = sum(hits) / len(relevant)
    dcg = sum(h / math.log2(r + 2) for r, h in enumerate(hits))
    idcg = sum(1 / math.log2(r + 2) for r in range(min(k, len(relevant))))
    return recall, dcg / idcg


@dataclass
class Result:
    name: str
    kind: str  # strategy | baseline
    recall: dict[int, float]
    ndcg: dict[int, float]
    coverage: float
    users: int
    latency_ms: dict[str, float] | None = None
    note: str = ""

    def as_dict(self) -> dict:
        out: dict = {"name": self.name, "kind": self.kind, "users": self.users, "coverage": round(self.coverage, 4)}
        for k in sorted(self.recall):
            out[f"recall@{k}"] = round(self.recall[k], 4)
            out[f"ndcg@{k}"] = round(self.ndcg[k], 4)
        if self.latency_ms:
            out["latency_ms"] = {k: round(v, 2) for k, v in self.latency_ms.items()}
        if self.note:
            out["note"] = self.note
        return out


def score_lists(name: str, kind: str, lists: dict[str, list[str]], sp: Split, ks: Sequence[int],
                catalogue: int, latencies: list[float] | None = None, note: str = "") -> Result:
    recall = {k: 0.0 for k in ks}
    ndcg = {k: 0.0 for k in ks}
    for user, ranked in lists.items():
        for k in ks:
            r, n = recall_ndcg(ranked, sp.relevant[user], k)
            recall[k] += r
            ndcg[k] += n
    users = max(len(lists), 1)
    kmax = max(ks)
    covered = {item for ranked in lists.values() for item in ranked[:kmax]}
    latency = None
    if latencies:
        ordered = sorted(latencies)
        latency = {"p50": ordered[len(ordered) // 2], "p95": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
                   "mean": statistics.fmean(ordered)}
    return Result(name, kind, {k: v / users for k, v in recall.items()}, {k: v / users for k, v in ndcg.items()},
                  len(covered) / max(catalogue, 1), len(lists), latency, note)


# --- baselines -------------------------------------------------------------------------------

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

    if "popularity" in names:
        pop = np.bincount(pi, minlength=len(live)).astype(np.float64)
        # Ties broken by fewer-is-later id order, like rec.feed's deterministic tie-break.
        results.append(score_lists("popularity", "baseline", {u: rank(pop, u) for u in users}, sp, ks, len(live)))
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
        results.append(score_lists(name, "baseline", lists, sp, ks, len(live)))
    return results


# --- replay through pgrec --------------------------------------------------------------------

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
            results.append(score_lists(strategy, "strategy", lists, sp, ks, catalogue, latencies))
    return results


@dataclass
class Report:
    dataset: str
    split: dict
    results: list[Result]
    notes: list[str]

    def as_dict(self) -> dict:
        return {"dataset": self.dataset, "split": self.split, "results": [r.as_dict() for r in self.results],
                "notes": self.notes}


def evaluate(ds: Dataset, strategies: Sequence[str] = ("default", "explore", "marketplace", "popular"),
             ks: Sequence[int] = (10, 20), holdout: float = 0.2, min_events: int = 5, max_users: int = 1000,
             baseline_names: Sequence[str] = ("popularity", "itemknn", "ease"), baseline_max_items: int = 6000,
             model: str | None = None, keep: bool = False, seed: int = 0, embed: bool = True,
             log=print) -> Report:
    """Split, load into a fresh database, replay every strategy, compute baselines; see the module doc."""
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


def render(report: Report) -> None:
    from rich.console import Console
    from rich.table import Table

    ks = report.split["k"]
    table = Table(title=f"{report.dataset}: {report.split['evaluated_users']} users evaluated, "
                        f"{report.split['train_events']} training / {report.split['held_out_events']} held-out events")
    table.add_column("model")
    table.add_column("kind")
    for k in ks:
        table.add_column(f"Recall@{k}", justify="right")
        table.add_column(f"NDCG@{k}", justify="right")
    table.add_column(f"coverage@{max(ks)}", justify="right")
    table.add_column("p50 ms", justify="right")
    table.add_column("p95 ms", justify="right")
    for r in report.results:
        if r.note and not r.recall:
            table.add_row(r.name, r.kind, *([""] * (2 * len(ks))), "", "", r.note)
            continue
        cells = []
        for k in ks:
            cells += [f"{r.recall[k]:.4f}", f"{r.ndcg[k]:.4f}"]
        lat = r.latency_ms or {}
        table.add_row(r.name, r.kind, *cells, f"{r.coverage:.3f}",
                      f"{lat['p50']:.1f}" if lat else "", f"{lat['p95']:.1f}" if lat else "")
    console = Console(width=max(Console().width, 120))
    console.print(table)
    for note in report.notes:
        console.print(note)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The ``pgrec evaluate`` options (app/cli.py registers the subcommand)."""
    src = p.add_argument_group("data (default: the synthetic generator)")
    src.add_argument("--ratings", type=Path, help="ratings/events file (MovieLens ratings.csv, u.data, ratings.dat, or CSV)")
    src.add_argument("--items-file", type=Path, help="items file (movies.csv, u.item, movies.dat, or CSV id,title,tags)")
    src.add_argument("--items", type=int, default=2000, help="synthetic items")
    src.add_argument("--users", type=int, default=500, help="synthetic users")
    src.add_argument("--events", type=int, default=50_000, help="synthetic events")
    src.add_argument("--seed", type=int, default=42)
    p.add_argument("--strategies", default="default,explore,marketplace,popular")
    p.add_argument("--k", default="10,20", help="cut-offs, comma separated")
    p.add_argument("--holdout", type=float, default=0.2)
    p.add_argument("--min-events", type=int, default=5)
    p.add_argument("--max-users", type=int, default=1000, help="evaluate a deterministic sample of this many users")
    p.add_argument("--baselines", default="popularity,itemknn,ease")
    p.add_argument("--baseline-max-items", type=int, default=6000)
    p.add_argument("--model", choices=["ease"], help="store an EASE model in the neighbour table before replaying")
    p.add_argument("--no-embed", action="store_true", help="do not embed the items (the vector signal then drops out)")
    p.add_argument("--keep", action="store_true", help="keep the evaluation database")
    p.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    import sys

    log = (lambda m: print(m, file=sys.stderr)) if args.json else print
    if args.ratings:
        ds = from_files(args.ratings, args.items_file)
    else:
        ds = synthetic(args.items, args.users, args.events, args.seed)
    report = evaluate(ds, strategies=[s for s in args.strategies.split(",") if s],
                      ks=sorted({int(k) for k in args.k.split(",")}), holdout=args.holdout,
                      min_events=args.min_events, max_users=args.max_users,
                      baseline_names=[b for b in args.baselines.split(",") if b],
                      baseline_max_items=args.baseline_max_items, model=args.model, keep=args.keep,
                      embed=not args.no_embed, log=log)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        render(report)
    return 0
