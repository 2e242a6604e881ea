"""Load datasets into pgrec through the public SQL API, like any client would."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Iterable, Iterator, Sequence

import psycopg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from app.db import connect
from app.demo import Dataset, DemoSize, generate_world

BATCH = 5000


def database_is_empty(conn: psycopg.Connection) -> bool:
    """True when pgrec holds no items yet."""
    return conn.execute("SELECT NOT EXISTS (SELECT FROM pgrec.items)").fetchone()[0]


def batched(rows: list[dict], size: int) -> Iterator[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def call_batches(conn: psycopg.Connection, function: str, batches: Iterable[list[dict]],
                 progress: Progress | None = None, task=None) -> int:
    """Send each batch to ``rec.<function>(jsonb)``; returns the sum of what it returned."""
    total = 0
    for batch in batches:
        total += conn.execute(f"SELECT rec.{function}(%s::jsonb)", (json.dumps(batch),)).fetchone()[0]
        if progress is not None:
            progress.advance(task, len(batch))
    return total


def _not_after(when: str, until: str | None) -> bool:
    return until is None or datetime.fromisoformat(when) <= datetime.fromisoformat(until)


def onboarding_answers(picks: Sequence[str], questions: Sequence[tuple[str, str, bool, list[dict]]]) -> dict:
    """The answers a user who would pick these words gives to the installation's questions.

    ``questions`` are rows of ``rec.onboarding_questions()``; an option is picked when its id or
    its label is one of the words (case-insensitive). A single-choice question takes the first
    match in display order; questions without a match are left unanswered. The installation's
    questions may change; the words (clusters, tools, levels) stay those of the world."""
    words = {p.lower() for p in picks}
    answers: dict = {}
    for question_id, _prompt, multiple, options in questions:
        chosen = [o["id"] for o in options if o["id"].lower() in words or o["label"].lower() in words]
        if chosen:
            answers[question_id] = chosen if multiple else chosen[0]
    return answers


def submit_onboarding(conn: psycopg.Connection, onboarding: list[dict], progress: Progress | None = None,
                      task=None, questionnaire: str = "default", until: str | None = None) -> int:
    """Answer the quiz for each ``{user_id, at, picks}`` through ``rec.submit_onboarding``, as of
    the moment they answered (``rec.as_of``), with the questions of ``questionnaire`` (the
    default quiz when the installation has no such questionnaire); answers after ``until`` (ISO)
    are left out. Returns the number of users who answered."""
    try:
        with conn.transaction():
            questions = conn.execute("SELECT question_id, prompt, multiple, options FROM rec.onboarding_questions(%s)",
                                     (questionnaire,)).fetchall()
    except psycopg.errors.InvalidParameterValue:  # an installation without that quiz
        questions = conn.execute("SELECT question_id, prompt, multiple, options FROM rec.onboarding_questions()").fetchall()
    answered = 0
    for entry in onboarding:
        answers = onboarding_answers(entry["picks"], questions)
        if answers and _not_after(entry["at"], until):
            with conn.transaction():
                conn.execute("SELECT set_config('rec.as_of', %s, true)", (entry["at"],))
                conn.execute("SELECT rec.submit_onboarding(%s, %s::jsonb)", (entry["user_id"], json.dumps(answers)))
            answered += 1
        if progress is not None:
            progress.advance(task, 1)
    return answered


def follow_batches(follows: list[dict], until: str | None = None) -> tuple[list[dict], list[dict]]:
    """``rec.follow`` and ``rec.unfollow`` elements for ``{user_id, creator_id, followed_at,
    unfollowed_at}`` records, leaving out what happens after ``until`` (ISO; a replay's clock)."""
    started = [{"user_id": f["user_id"], "creator_id": f["creator_id"], "at": f["followed_at"]}
               for f in follows if _not_after(f["followed_at"], until)]
    ended = [{"user_id": f["user_id"], "creator_id": f["creator_id"], "at": f["unfollowed_at"]}
             for f in follows if f.get("unfollowed_at") and _not_after(f["unfollowed_at"], until)]
    return started, ended


def load_follows(conn: psycopg.Connection, follows: list[dict], progress: Progress | None = None, task=None,
                 until: str | None = None) -> int:
    """Follows through ``rec.follow``, then the unfollows through ``rec.unfollow``, each at its
    own time; returns the follows still on at the end."""
    started, ended = follow_batches(follows, until)
    begun = call_batches(conn, "follow", batched(started, BATCH), progress, task)
    return begun - call_batches(conn, "unfollow", batched(ended, BATCH))


def load_dataset(url: str, ds: Dataset, console: Console | None = None, refresh: bool = True) -> dict[str, float]:
    """Items, users, onboarding answers, follows, learning paths and consents, then events (in
    time order), then a full refresh. Returns timings and counts."""
    console = console or Console(stderr=True)
    timings: dict[str, float] = {}
    columns = (TextColumn("{task.description:>10}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with connect(url) as conn, Progress(*columns, console=console, transient=False) as progress:
        started = time.perf_counter()
        task = progress.add_task("items", total=len(ds.items))
        call_batches(conn, "upsert_items", batched(ds.items, 1000), progress, task)
        task = progress.add_task("users", total=len(ds.users))
        call_batches(conn, "upsert_users", batched(ds.users, 1000), progress, task)
        if ds.onboarding:
            task = progress.add_task("onboarding", total=len(ds.onboarding))
            timings["onboarded"] = submit_onboarding(conn, ds.onboarding, progress, task, ds.questionnaire)
        if ds.follows:
            task = progress.add_task("follows", total=len(ds.follows))
            timings["following"] = load_follows(conn, ds.follows, progress, task)
        if ds.paths:
            task = progress.add_task("paths", total=len(ds.paths))
            timings["paths"] = call_batches(conn, "upsert_paths", batched(ds.paths, 1000), progress, task)
        if ds.consents:
            task = progress.add_task("consents", total=len(ds.consents))
            timings["consents"] = call_batches(conn, "upsert_consents", batched(ds.consents, 10_000), progress, task)
        timings["items_users_s"] = time.perf_counter() - started

        started = time.perf_counter()
        task = progress.add_task("events", total=ds.size.events)
        timings["events"] = call_batches(conn, "track", ds.events(BATCH), progress, task)
        timings["events_s"] = time.perf_counter() - started

        if refresh:
            started = time.perf_counter()
            task = progress.add_task("refresh", total=None)
            conn.execute("SELECT * FROM rec.refresh('all')").fetchall()
            progress.update(task, total=1, completed=1)
            timings["refresh_s"] = time.perf_counter() - started
    if ds.onboarding:
        console.print(f"onboarding: {timings['onboarded']} of {len(ds.onboarding)} quiz takers matched the "
                      f"installation's questions (rec.onboarding_questions('{ds.questionnaire}'))", highlight=False)
    if ds.follows:
        console.print(f"follows: {len(ds.follows)} loaded (rec.follow, rec.unfollow), {timings['following']} "
                      "still following", highlight=False)
    for name, rows in ds.unloaded.items():
        console.print(f"generated, not loaded (no SQL API for it yet): {len(rows)} {name}", highlight=False)
    return timings


def load_demo(url: str, size: DemoSize, console: Console | None = None, app: str = "generic") -> dict[str, float]:
    """Generate a demo world (the generic one, or an application world) and load it."""
    console = console or Console(stderr=True)
    console.print(f"demo data ({app}): {size.items} items, {size.users} users, {size.events} events over "
                  f"{size.days} days (seed {size.seed})", highlight=False)
    # Real "now": the demo should look alive today (recent events, trending items).
    return load_dataset(url, generate_world(app, size, now=datetime.now(timezone.utc)), console=console)
