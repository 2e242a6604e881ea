"""Dataset files: MovieLens layouts and plain CSV / JSON Lines, for evaluation and `pgrec import`.

MovieLens layouts are recognised by their shape:

* ``ratings.csv`` (``userId,movieId,rating,timestamp``) with ``movies.csv`` (``movieId,title,genres``)
  (ml-latest, ml-25m, ml-32m …);
* ML-100k ``u.data`` (tab separated) with ``u.item`` (pipe separated, 19 genre flags) and
  ``u.user`` (``id|age|gender|occupation|zip``);
* ML-1M ``ratings.dat`` / ``movies.dat`` / ``users.dat`` (``::`` separated).

Ratings become ``rate`` events with the rating as value, genres ``category:<genre>`` tags, user
demographics ``attributes``. Any other CSV with a header naming ``user_id``, ``item_id`` and
optionally ``type``, ``value``, ``at``/``timestamp`` is an events file; an items CSV names ``id``
(or ``item_id``), ``title``, ``tags`` (``|`` separated), ``created_at``.

Every reader yields ``(line number, record)`` so that a caller can say which line of the file a
rejected record came from.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator, Sequence

POSITIVE_TYPES = frozenset({"like", "save", "share", "apply", "complete"})
RELEVANT_RATING = 4.0
ML100K_GENRES = ("unknown", "action", "adventure", "animation", "children's", "comedy", "crime", "documentary",
                 "drama", "fantasy", "film-noir", "horror", "musical", "mystery", "romance", "sci-fi", "thriller",
                 "war", "western")
# ML-1M users.dat codes, spelled out so that attributes read as words.
ML1M_AGES = {"1": "under 18", "18": "18-24", "25": "25-34", "35": "35-44", "45": "45-49", "50": "50-55", "56": "56+"}
ML1M_OCCUPATIONS = ("other", "academic/educator", "artist", "clerical/admin", "college/grad student",
                    "customer service", "doctor/health care", "executive/managerial", "farmer", "homemaker",
                    "K-12 student", "lawyer", "programmer", "retired", "sales/marketing", "scientist",
                    "self-employed", "technician/engineer", "tradesman/craftsman", "unemployed", "writer")


@dataclass
class Event:
    user: str
    item: str
    type: str
    value: float | None
    at: datetime


@dataclass
class Dataset:
    """What to evaluate on: a catalogue, optional user records, and events in time order; a
    world may add quiz answers (and the questionnaire they answer) and follows of creators,
    which a replay loads as of their own times."""

    name: str
    items: list[dict]
    events: list[Event]
    users: list[dict] = field(default_factory=list)
    onboarding: list[dict] = field(default_factory=list)
    questionnaire: str = "default"
    follows: list[dict] = field(default_factory=list)


def is_positive(event: Event) -> bool:
    """A clear positive signal: the relevance definition of the evaluation."""
    if event.type == "rate":
        return event.value is not None and event.value >= RELEVANT_RATING
    return event.type in POSITIVE_TYPES


def epoch(value: str) -> datetime:
    return datetime.fromtimestamp(int(float(value)), tz=timezone.utc)


def parse_time(value: str) -> datetime:
    """Seconds since the epoch or ISO 8601 (a time without a zone is taken as UTC)."""
    value = value.strip()
    if value.replace(".", "", 1).isdigit():
        return epoch(value)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def first_line(path: Path) -> str:
    with open(path, encoding="latin-1") as f:
        return f.readline()


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """Non-empty lines of a MovieLens .dat / u.* file (latin-1, as the files are encoded)."""
    with open(path, encoding="latin-1") as f:
        for number, line in enumerate(f, start=1):
            if line.strip():
                yield number, line.rstrip("\n")


def _csv(path: Path) -> tuple[dict[str, str], Iterator[tuple[int, dict[str, str]]]]:
    """Lower-cased header → real name, and (line, row) pairs; line is where the row starts."""
    f = open(path, newline="", encoding="utf-8-sig")
    reader = csv.DictReader(f)
    fields = {name.lower().strip(): name for name in reader.fieldnames or []}

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        with f:
            start = reader.line_num + 1
            for row in reader:
                yield start, row
                start = reader.line_num + 1

    return fields, rows()


def movielens_layout(path: Path) -> str | None:
    """``ratings.csv``, ``movies.csv``, ``u.data``, ``u.item``, ``u.user``, ``ratings.dat``,
    ``movies.dat``, ``users.dat`` (by shape, whatever the file is called), or None."""
    first = first_line(path)
    header = first.lower().replace('"', "").strip()
    if "::" in first:
        parts = first.split("::")
        if len(parts) == 3:
            return "movies.dat"
        if len(parts) == 5:
            return "users.dat"
        return "ratings.dat"
    if first.count("|") >= 20:
        return "u.item"
    if first.count("|") == 4 and not header.startswith("user"):
        return "u.user"
    if "\t" in first and not header.startswith("user"):
        return "u.data"
    if header.startswith("userid,movieid,rating"):
        return "ratings.csv"
    if header.startswith("movieid,title,genres"):
        return "movies.csv"
    return None


def iter_events(path: Path) -> Iterator[tuple[int, Event]]:
    """A ratings or events file in any of the recognised layouts (see the module docstring)."""
    layout = movielens_layout(path)
    if layout == "ratings.dat":
        for n, line in _lines(path):
            u, i, r, t = line.split("::")[:4]
            yield n, Event(u, i, "rate", float(r), epoch(t))
        return
    if layout == "u.data":
        for n, line in _lines(path):
            u, i, r, t = line.split("\t")[:4]
            yield n, Event(u, i, "rate", float(r), epoch(t))
        return
    fields, rows = _csv(path)
    if {"userid", "movieid", "rating"} <= set(fields):  # MovieLens ratings.csv
        for n, row in rows:
            yield n, Event(row[fields["userid"]], row[fields["movieid"]], "rate", float(row[fields["rating"]]),
                           epoch(row[fields["timestamp"]]))
    elif {"user_id", "item_id"} <= set(fields):
        when = fields.get("at") or fields.get("timestamp") or fields.get("occurred_at")
        for k, (n, row) in enumerate(rows):
            value = row.get(fields["value"]) if "value" in fields else None
            rating = row.get(fields["rating"]) if "rating" in fields else None
            etype = row[fields["type"]] if "type" in fields else ("rate" if rating else "like")
            yield n, Event(row[fields["user_id"]], row[fields["item_id"]], etype,
                           float(value or rating) if (value or rating) else None,
                           parse_time(row[when]) if when else datetime(2000, 1, 1, tzinfo=timezone.utc)
                           + timedelta(seconds=k))
    else:
        raise ValueError(f"{path}: unrecognised events layout (header {first_line(path).strip()!r})")


def read_events(path: Path) -> list[Event]:
    events = [e for _, e in iter_events(path)]
    if not events:
        raise ValueError(f"{path}: no events")
    return events


def movie(movie_id: str, title: str, genres: Sequence[str]) -> dict:
    tags = [f"category:{g.strip().lower()}" for g in genres
            if g.strip() and g.strip().lower() not in {"(no genres listed)", "unknown"}]
    return {"id": movie_id, "title": title.strip(), "tags": tags}


def iter_items(path: Path) -> Iterator[tuple[int, dict]]:
    """An items file: MovieLens movies.csv / u.item / movies.dat, or a CSV with id,title,tags."""
    layout = movielens_layout(path)
    if layout == "movies.dat":
        for n, line in _lines(path):
            i, title, genres = line.split("::")[:3]
            yield n, movie(i, title, genres.split("|"))
        return
    if layout == "u.item":
        for n, line in _lines(path):
            parts = line.split("|")
            if len(parts) >= 24:
                yield n, movie(parts[0], parts[1], [g for g, on in zip(ML100K_GENRES, parts[-19:]) if on == "1"])
        return
    fields, rows = _csv(path)
    if {"movieid", "title", "genres"} <= set(fields):
        for n, row in rows:
            yield n, movie(row[fields["movieid"]], row[fields["title"]], row[fields["genres"]].split("|"))
    elif "id" in fields or "item_id" in fields:
        key = fields.get("id") or fields["item_id"]
        for n, row in rows:
            item: dict = {"id": row[key]}
            if "title" in fields:
                item["title"] = row[fields["title"]]
            if "tags" in fields and row[fields["tags"]]:
                item["tags"] = [t for t in row[fields["tags"]].split("|") if t.strip()]
            if "created_at" in fields and row[fields["created_at"]]:
                item["created_at"] = parse_time(row[fields["created_at"]]).isoformat()
            yield n, item
    else:
        raise ValueError(f"{path}: unrecognised items layout (header {first_line(path).strip()!r})")


def read_items(path: Path) -> list[dict]:
    return [item for _, item in iter_items(path)]


def iter_movielens_users(path: Path) -> Iterator[tuple[int, dict]]:
    """ML-100k ``u.user`` or ML-1M ``users.dat`` as rec.upsert_users records (demographics as attributes)."""
    layout = movielens_layout(path)
    if layout == "u.user":
        for n, line in _lines(path):
            uid, age, gender, occupation, zipcode = line.split("|")[:5]
            yield n, {"id": uid, "attributes": {"age": int(age), "gender": gender, "occupation": occupation,
                                                "zip": zipcode}}
    elif layout == "users.dat":
        for n, line in _lines(path):
            uid, gender, age, occupation, zipcode = line.split("::")[:5]
            occ = ML1M_OCCUPATIONS[int(occupation)] if occupation.isdigit() and int(occupation) < 21 else occupation
            yield n, {"id": uid, "attributes": {"age": ML1M_AGES.get(age, age), "gender": gender,
                                                "occupation": occ, "zip": zipcode}}
    else:
        raise ValueError(f"{path}: not a MovieLens users file (u.user or users.dat)")


def synthetic(items: int, users: int, events: int, seed: int = 42, world: str = "generic", **knobs) -> Dataset:
    """A synthetic world's catalogue, users (with their declared preferences) and events.

    ``world`` is a name of :data:`app.demo.WORLDS`; ``knobs`` are realism fields of
    :class:`app.demo.DemoSize` (``days``, ``churn``, ...; ``None`` = the world's own)."""
    from app.demo import DemoSize, generate_world

    ds = generate_world(world, DemoSize(items=items, users=users, events=events, seed=seed), **knobs)
    evs = [Event(e["user_id"], e["item_id"], e["type"], e["value"], datetime.fromisoformat(e["at"]))
           for batch in ds.events(10_000) for e in batch]
    s = ds.size
    realism = "" if (s.churn, s.long_tail, s.disliked, s.event_mix) == (0, 0, 0, "funnel") else (
        f", churn {s.churn:g}, long tail {s.long_tail:g}, disliked {s.disliked:g}, {s.event_mix}")
    name = (f"synthetic {world}: {items} items / {users} users / {events} events over {s.days} days"
            f"{realism} (seed {seed})")
    return Dataset(name, ds.items, evs, ds.users, ds.onboarding, ds.questionnaire, ds.follows)


def from_files(events_path: Path, items_path: Path | None = None, ratings_as: str = "rate") -> Dataset:
    """A dataset from an events file and optionally an items file; items only named by events
    are added bare. ``ratings_as="like-view"`` loads a rating of 4 or more as a like and a lower
    one as a view (what an application that only knows "liked" and "looked at" has)."""
    events = read_events(events_path)
    if ratings_as == "like-view":
        events = [Event(e.user, e.item, "like" if (e.value or 0) >= RELEVANT_RATING else "view", None, e.at)
                  if e.type == "rate" else e for e in events]
    elif ratings_as != "rate":
        raise ValueError(f"ratings_as must be 'rate' or 'like-view', got {ratings_as!r}")
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
