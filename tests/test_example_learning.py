"""examples/learning end to end on the learning world: a new learner joins, works through the
first lessons of a path at their pace, the platform's dashboard follows (progress, next lessons,
the level to offer, lessons by recommendation type), achievements unlock and are claimed once,
and withdrawing consent stops personalisation. Over SQL as the pgrec_app role, as a host app."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Iterator

import psycopg
import pytest
from rich.console import Console

from app.demo import DemoSize, generate_world
from app.loader import load_dataset
from examples.learning.platform import LESSONS, LearningPlatform, render
from pgrec_client import Client, InvalidInput
from tests.helpers import APP_ROLE, as_role, login_role


@pytest.fixture(scope="module")
def world(server_url: str, template_url: str) -> Iterator[tuple[str, object]]:
    import uuid

    name = f"pgrec_example_learning_{uuid.uuid4().hex[:8]}"
    template = psycopg.conninfo.conninfo_to_dict(template_url)["dbname"]
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    from app.db import with_database

    url = with_database(server_url, name)
    ds = generate_world("learning", DemoSize(items=150, users=60, events=2000, days=45, seed=7),
                        now=datetime.now(timezone.utc))
    load_dataset(url, ds, console=Console(file=open(os.devnull, "w")))
    login_role(server_url, APP_ROLE, "pgrec_app")
    yield as_role(url, APP_ROLE), ds
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def platform(world: tuple[str, object]) -> Iterator[LearningPlatform]:
    with psycopg.connect(world[0], autocommit=True) as conn:
        yield LearningPlatform(Client.sql(conn))


def test_a_new_learner_works_through_a_path(world: tuple[str, object], platform: LearningPlatform) -> None:
    ds = world[1]
    items = {i["id"]: i for i in ds.items}
    # A path whose first module has more lessons than a session takes.
    path = next(p for p in ds.paths
                if sum(i["attributes"].get("module") == p["modules"][0] for i in ds.items) >= 3)
    platform.join("newbie", level=1, learning_style="hands-on", pace="steady", subjects=[path["attributes"]["subject"]])

    first = platform.dashboard("newbie", path["id"])
    assert (first.progress.completed, first.progress.total) == (0, len(path["modules"]))
    assert first.progress.next["module"] == path["modules"][0]
    # The steady pace proposes two lessons a session, the first ones of the first module, in order.
    assert len(first.next_lessons) == 2
    assert all(items[lesson]["attributes"]["module"] == path["modules"][0] for lesson in first.next_lessons)
    assert [items[lesson]["attributes"]["sequence"] for lesson in first.next_lessons] == sorted(
        items[lesson]["attributes"]["sequence"] for lesson in first.next_lessons)
    assert first.difficulty.target == 1 and first.difficulty.basis == "declared level"
    assert {a.achievement: a.unlocked for a in first.achievements}["first_lesson"] is False
    # Lessons by recommendation type, only lessons (the content filter).
    assert set(first.for_you) == {"content-based", "collaborative", "trending", "sequential"}
    assert any(first.for_you.values())
    assert all(items[i.item_id]["attributes"]["type"] == "lesson" for rows in first.for_you.values() for i in rows)

    for lesson in first.next_lessons:
        platform.open_lesson("newbie", lesson)
        platform.finish_lesson("newbie", lesson, score=96, minutes=items[lesson]["attributes"]["duration_minutes"] * 0.8)
    after = platform.dashboard("newbie", path["id"])
    module = after.progress.modules[0]
    assert module["lessons_done"] == 2 and module["status"] in ("in_progress", "completed")
    assert not set(after.next_lessons) & set(first.next_lessons)
    # Scores well above the target in less than the estimated time: offer a harder level.
    assert after.difficulty.basis == "recent scores" and after.difficulty.target > 1.5
    assert "recommended difficulty" in render(after)

    claims = platform.claim_rewards("newbie")
    assert "first_lesson" in {c.achievement for c in claims} and all(c.claimed for c in claims)
    assert platform.claim_rewards("newbie") == []  # a reward is given once
    locked = next(a for a in after.achievements if not a.unlocked)
    with pytest.raises(InvalidInput):
        platform.rec.claim_achievement("newbie", locked.achievement)


def test_withdrawn_consent_stops_personalisation(platform: LearningPlatform) -> None:
    platform.join("private-learner", level=3, learning_style="visual", pace="relaxed", subjects=["python"])
    assert platform.rec.profile("private-learner").personalized
    platform.stop_personalising("private-learner")
    assert platform.rec.profile("private-learner").personalized is False
    visitor = [i.item_id for i in platform.rec.feed("someone-new", n=10, filter=LESSONS)]
    assert [i.item_id for i in platform.rec.feed("private-learner", n=10, filter=LESSONS)] == visitor
