"""A learning platform on pgrec: the calls its back end makes, one method each.

    .venv/bin/pgrec demo --app learning --items 600 --users 300 --events 20000
    DATABASE_URL=$(.venv/bin/pgrec db url) .venv/bin/python -m examples.learning.platform learner7 path-python

Content (courses, modules, lessons with type, duration, level and prerequisites) and learners
(level, learning style, pace) are rows pgrec already holds; paths are data (rec.upsert_paths).
Everything the platform shows — the learner's place on a path, the next lessons at their pace,
the level to offer, lessons by recommendation type, achievements — is one rec.* call; the
platform only records what the learner did (rec.track) and renders. Nothing is ranked here.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

import psycopg

from pgrec_client import Achievement, Claim, Client, Difficulty, PathProgress, RankedItem

#: Only lessons: what a "keep learning" row offers (the content filter every list takes).
LESSONS = {"attributes": {"type": {"eq": "lesson"}}}


@dataclass(frozen=True)
class Dashboard:
    """What the learner's home page shows."""

    progress: PathProgress
    next_lessons: list[str]
    difficulty: Difficulty
    for_you: dict[str, list[RankedItem]]  # by recommendation type
    achievements: list[Achievement]


class LearningPlatform:
    """The platform's back end, over a pgrec client (SQL or HTTP: the same verbs)."""

    def __init__(self, rec: Client) -> None:
        self.rec = rec

    def join(self, learner: str, *, level: int, learning_style: str, pace: str,
             subjects: list[str] = ()) -> None:
        """A new learner: level, style and pace in their attributes, subjects as declared interests."""
        self.rec.upsert_users([{"id": learner,
                                "attributes": {"level": level, "learning_style": learning_style, "pace": pace},
                                "preferences": {"preferred_tags": [f"category:{s}" for s in subjects]}}])

    def open_lesson(self, learner: str, lesson: str) -> None:
        self.rec.track([{"user_id": learner, "item_id": lesson, "type": "view"}])

    def finish_lesson(self, learner: str, lesson: str, *, score: float, minutes: float) -> None:
        """A completed lesson: the score (0..100) as value, the time spent in context."""
        self.rec.track([{"user_id": learner, "item_id": lesson, "type": "complete", "value": score,
                         "context": {"minutes_spent": minutes}}])

    def dashboard(self, learner: str, path_id: str, n: int = 5) -> Dashboard:
        progress = self.rec.path_progress(learner, path_id)
        nxt = progress.next or {}
        lessons = [lesson["item_id"] if isinstance(lesson, dict) else lesson for lesson in nxt.get("lessons") or []]
        for_you = {t.type: self.rec.feed(learner, n=n, type=t.type, filter=LESSONS)
                   for t in self.rec.recommendation_types()}
        return Dashboard(progress, lessons, self.rec.recommended_difficulty(learner), for_you,
                         self.rec.achievements(learner))

    def claim_rewards(self, learner: str) -> list[Claim]:
        """Claim every achievement unlocked and not yet claimed (a reward is given once)."""
        return [self.rec.claim_achievement(learner, a.achievement)
                for a in self.rec.achievements(learner) if a.unlocked and a.claimed_at is None]

    def stop_personalising(self, learner: str) -> None:
        """The learner withdrew consent to personalisation: every list becomes non-personal."""
        self.rec.upsert_consents([{"user_id": learner, "purpose": "personalization", "granted": False}])


def render(d: Dashboard) -> str:
    p = d.progress
    lines = [f"{p.raw.get('title') or p.path_id}: {p.completed}/{p.total} modules ({p.progress:.0%})"]
    for m in p.modules:
        lines.append(f"  {m['position']:>2}. {m['item_id']:<10} {m['status']:<12} {m.get('score') or ''}")
    lines.append(f"next: {', '.join(d.next_lessons) or '(path done)'}")
    lines.append(f"recommended difficulty: {d.difficulty.target} ({d.difficulty.basis})")
    for kind, items in d.for_you.items():
        lines.append(f"{kind}: {', '.join(i.item_id for i in items)}")
    lines.append("achievements: " + ", ".join(f"{a.achievement} {a.progress}/{a.target}" + (" ✓" if a.unlocked else "")
                                               for a in d.achievements))
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    learner, path_id = (argv + ["learner1", "path-python"])[:2]
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        print(render(LearningPlatform(Client.sql(conn)).dashboard(learner, path_id)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
