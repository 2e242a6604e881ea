"""`pgrec import items|events|users FILE`: bring your own data through the public SQL API.

Rows are read from CSV, JSON Lines or a MovieLens file (:mod:`app.evaluation.readers`), shaped
into the objects ``rec.upsert_items``, ``rec.upsert_users`` and ``rec.track`` accept, and sent
in batches. The SQL validates: a batch it rejects names the bad element (``items[3] (id "x"):
price must be …``), so that row is set aside with its line number and the rest of the batch is
sent again; nothing is validated twice in Python. ``--dry-run`` sends every batch inside a
transaction that is rolled back, so it checks everything the real import would and writes
nothing.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import psycopg

from app import db
from app.evaluation import readers

FUNCTIONS = {"items": "upsert_items", "users": "upsert_users", "events": "track"}
# The keys each SQL function accepts (README, "Writing data"); lat and lon are shorthands for
# location, and dotted names (attributes.genre, preferences.max_distance_km) fill nested objects.
FIELDS = {
    "items": {"id", "title", "description", "tags", "creator_id", "created_at", "location", "price", "attributes",
              "status", "expires_at"},
    "users": {"id", "created_at", "location", "attributes", "preferences"},
    "events": {"event_id", "user_id", "item_id", "type", "value", "at", "context"},
}
NESTED = {"items": {"attributes", "location"}, "users": {"attributes", "location", "preferences"},
          "events": {"context"}}
NUMBERS = {"price", "value", "location.lat", "location.lon", "preferences.max_distance_km",
           "preferences.price_min", "preferences.price_max"}
LISTS = {"tags", "preferences.blocked_tags"}
OBJECTS = {"attributes", "context", "location", "preferences", "preferences.preferred_tags"}
BOOLEANS = {"preferences.personalization"}
MAX_BATCH = 10_000  # the SQL API's batch limit
_ELEMENT = re.compile(r"^[a-z_]+\[(\d+)\]:?\s*")


class ImportProblem(Exception):
    """A problem with the file or the options (not with a row): exit 2 with this message."""


@dataclass
class Summary:
    read: int = 0
    written: int = 0
    accepted: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def file_format(path: Path, given: str | None) -> str:
    if given:
        return given
    if path.suffix.lower() in {".jsonl", ".ndjson"}:
        return "jsonl"
    if readers.movielens_layout(path):
        return "movielens"
    return "csv"


def parse_mapping(pairs: Iterable[str]) -> dict[str, str | None]:
    """``--map SOURCE=TARGET``; an empty TARGET drops the column."""
    mapping: dict[str, str | None] = {}
    for pair in pairs:
        source, sep, target = pair.partition("=")
        if not sep or not source:
            raise ImportProblem(f"--map {pair!r}: write SOURCE=TARGET, e.g. --map movieId=item_id (or movieId= to drop)")
        mapping[source] = target.strip() or None
    return mapping


def target_of(kind: str, column: str, mapping: dict[str, str | None]) -> str | None:
    """Where a source column goes (a field, a dotted nested field, or None to drop)."""
    name = mapping.get(column, column)
    if name is None:
        return None
    name = {"lat": "location.lat", "lon": "location.lon", "lng": "location.lon"}.get(name, name)
    head = name.split(".", 1)[0]
    if name in FIELDS[kind] or ("." in name and head in NESTED[kind]):
        return name
    raise ImportProblem(f"column {column!r} is not a field of {kind} ({', '.join(sorted(FIELDS[kind]))}); "
                       f"map it with --map {column}=FIELD, --map {column}=attributes.{column}, or drop it with "
                       f"--map {column}=")


def convert(target: str, text: str, tags_sep: str) -> Any:
    """A CSV cell as the JSON value its field takes. A cell that does not convert is passed as
    text, so that the SQL function rejects it with its own message."""
    if target in NUMBERS or target.startswith("preferences.preferred_tags."):
        try:
            return float(text)
        except ValueError:
            return text
    if target in LISTS:
        if text.lstrip().startswith("["):
            try:
                return json.loads(text)
            except ValueError:
                return text
        return [t.strip() for t in text.split(tags_sep) if t.strip()]
    if target in OBJECTS:
        try:
            return json.loads(text)
        except ValueError:
            return text
    if target in BOOLEANS:
        lowered = text.strip().lower()
        return {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}.get(lowered, text)
    return text


def place(record: dict, target: str, value: Any) -> None:
    if "." not in target:
        record[target] = value
        return
    head, rest = target.split(".", 1)
    nested = record.setdefault(head, {})
    if isinstance(nested, dict):
        place(nested, rest, value)


def csv_records(kind: str, path: Path, mapping: dict[str, str | None], tags_sep: str,
                summary: Summary) -> Iterator[tuple[int, dict]]:
    fields, rows = readers._csv(path)
    if not fields:
        raise ImportProblem(f"{path}: no header line")
    targets = {real: target_of(kind, real, mapping) for real in fields.values()}
    for line, row in rows:
        if None in row:  # more cells than header columns
            summary.rejected.append((line, f"{len(row[None])} cells more than the header has"))
            summary.read += 1
            continue
        record: dict = {}
        for column, text in row.items():
            target = targets.get(column)
            if target is None or text is None or text == "":
                continue  # empty cell: the key is left out, so a stored value is kept
            place(record, target, convert(target, text, tags_sep))
        yield line, record


def jsonl_records(kind: str, path: Path, mapping: dict[str, str | None], summary: Summary) -> Iterator[tuple[int, dict]]:
    with open(path, encoding="utf-8-sig") as f:
        for line, text in enumerate(f, start=1):
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except ValueError as exc:
                summary.read += 1
                summary.rejected.append((line, f"not JSON: {exc.msg} at column {exc.colno}"))
                continue
            if not isinstance(value, dict):
                summary.read += 1
                summary.rejected.append((line, f"expected a JSON object, got {type(value).__name__}"))
                continue
            record: dict = {}
            for key, item in value.items():
                target = mapping.get(key, key)
                if target is not None:
                    place(record, target, item)
            yield line, record


def movielens_records(kind: str, path: Path) -> Iterator[tuple[int, dict]]:
    layout = readers.movielens_layout(path)
    if kind == "items":
        yield from readers.iter_items(path)
    elif kind == "users":
        yield from readers.iter_movielens_users(path)
    else:
        if layout not in {"ratings.csv", "u.data", "ratings.dat"}:
            raise ImportProblem(f"{path}: a MovieLens {layout} file holds no events (ratings.csv, u.data or ratings.dat do)")
        for line, e in readers.iter_events(path):
            # A stable event id: importing the same file again adds nothing (rec.track skips repeats).
            yield line, {"event_id": f"ml:{e.user}:{e.item}:{int(e.at.timestamp())}", "user_id": e.user,
                         "item_id": e.item, "type": e.type, "value": e.value, "at": e.at.isoformat()}


def records(kind: str, path: Path, fmt: str, mapping: dict[str, str | None], tags_sep: str, default_type: str | None,
            summary: Summary) -> Iterator[tuple[int, dict]]:
    if fmt == "csv":
        source = csv_records(kind, path, mapping, tags_sep, summary)
    elif fmt == "jsonl":
        source = jsonl_records(kind, path, mapping, summary)
    elif fmt == "movielens":
        source = movielens_records(kind, path)
    else:
        raise ImportProblem(f"unknown format {fmt!r}")
    for line, record in source:
        summary.read += 1
        if kind == "events" and default_type and "type" not in record:
            record["type"] = default_type
        yield line, record


def send(conn: psycopg.Connection, kind: str, batch: list[tuple[int, dict]], dry_run: bool, summary: Summary) -> None:
    """One batch through ``rec.<function>``; a rejected element is set aside and the rest sent again."""
    statement = f"SELECT rec.{FUNCTIONS[kind]}(%s::jsonb)"
    pending = list(batch)
    while pending:
        try:
            with conn.transaction():
                written = conn.execute(statement, (json.dumps([r for _, r in pending], default=str),)).fetchone()[0]
                if dry_run:
                    raise psycopg.Rollback()  # validated like the real thing, nothing kept
        except psycopg.Error as exc:
            if exc.sqlstate is None or exc.sqlstate[:2] in {"08", "53", "57"}:
                raise  # the database, not the data: stop and say so
            message = exc.diag.message_primary or str(exc)
            match = _ELEMENT.match(message)
            index = int(match.group(1)) if match else None
            if index is not None and index < len(pending):
                line, _ = pending.pop(index)
                summary.rejected.append((line, _ELEMENT.sub("", message)))
                continue
            if len(pending) == 1:
                summary.rejected.append((pending[0][0], message))
                return
            # The error names no element: halve until it does, or until one row is left.
            middle = len(pending) // 2
            send(conn, kind, pending[:middle], dry_run, summary)
            send(conn, kind, pending[middle:], dry_run, summary)
            return
        summary.written += written
        summary.accepted += len(pending)
        return


def count_lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip())


def run_import(kind: str, path: Path, *, fmt: str | None = None, mapping: dict[str, str | None] | None = None,
               tags_sep: str = "|", batch_size: int = 1000, dry_run: bool = False, default_type: str | None = None,
               url: str | None = None, progress: Any = None) -> Summary:
    """Import one file; returns what was read, written and rejected (with line numbers)."""
    if not path.is_file():
        raise ImportProblem(f"{path}: no such file")
    if not 1 <= batch_size <= MAX_BATCH:
        raise ImportProblem(f"--batch-size must be 1..{MAX_BATCH}, got {batch_size}")
    fmt = file_format(path, fmt)
    summary = Summary()
    task = None
    if progress is not None:
        total = count_lines(path) - (1 if fmt == "csv" or readers.movielens_layout(path) in {"ratings.csv", "movies.csv"} else 0)
        task = progress.add_task(f"{'validating' if dry_run else 'importing'} {kind}", total=max(total, 0))
    with db.connect(url) as conn:
        batch: list[tuple[int, dict]] = []
        for line, record in records(kind, path, fmt, mapping or {}, tags_sep, default_type, summary):
            batch.append((line, record))
            if len(batch) >= batch_size:
                send(conn, kind, batch, dry_run, summary)
                if task is not None:
                    progress.update(task, completed=summary.read)
                batch = []
        if batch:
            send(conn, kind, batch, dry_run, summary)
        if task is not None:
            progress.update(task, completed=summary.read)
    summary.rejected.sort()
    return summary


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("kind", choices=sorted(FUNCTIONS), help="what the file holds")
    p.add_argument("file", type=Path, help="CSV with a header, JSON Lines (.jsonl), or a MovieLens file")
    p.add_argument("--format", choices=["csv", "jsonl", "movielens"],
                   help="default: .jsonl/.ndjson is JSON Lines, a MovieLens layout is recognised, else CSV")
    p.add_argument("--map", action="append", default=[], metavar="SOURCE=FIELD",
                   help="rename a column or key (--map movieId=item_id, --map genre=attributes.genre, "
                        "--map latitude=lat); SOURCE= drops it; repeatable")
    p.add_argument("--tags-sep", default="|", help="separator of tags in a CSV cell (default |)")
    p.add_argument("--type", dest="default_type", metavar="TYPE",
                   help="events: the type of rows that have none (e.g. like for a user,item file)")
    p.add_argument("--batch-size", type=int, default=1000, help=f"rows per SQL call, 1..{MAX_BATCH} (default 1000)")
    p.add_argument("--dry-run", action="store_true", help="validate every row through the SQL API, write nothing")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    out = Console()
    err = Console(stderr=True)
    try:
        mapping = parse_mapping(args.map)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=err, transient=True) as progress:
            summary = run_import(args.kind, args.file, fmt=args.format, mapping=mapping, tags_sep=args.tags_sep,
                                 batch_size=args.batch_size, dry_run=args.dry_run, default_type=args.default_type,
                                 progress=progress)
    except ImportProblem as exc:
        err.print(f"[red]cannot import[/red]: {exc}", soft_wrap=True, highlight=False)
        return 2
    except (UnicodeDecodeError, ValueError) as exc:
        err.print(f"[red]cannot read {args.file}[/red]: {exc}", soft_wrap=True, highlight=False)
        return 2
    verb = "would write" if args.dry_run else "written"
    repeats = summary.accepted - summary.written
    extra = f" ({repeats} already there)" if args.kind == "events" and repeats > 0 else ""
    out.print(f"{args.file}: {summary.read} rows read, {summary.written} {verb}{extra}, "
              f"{len(summary.rejected)} rejected" + (" (dry run: nothing stored)" if args.dry_run else ""),
              highlight=False, soft_wrap=True)
    shown = summary.rejected[:50]
    for line, message in shown:
        out.print(f"  line {line}: {message}", highlight=False, soft_wrap=True)
    if len(summary.rejected) > len(shown):
        out.print(f"  … and {len(summary.rejected) - len(shown)} more", highlight=False)
    return 1 if summary.rejected else 0
