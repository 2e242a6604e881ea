"""The scheduler's jobs: what runs, how often, and what "due" means.

Every job is named after what it refreshes. ``embed`` drains the embedding queue through the
configured provider (:mod:`app.embeddings.worker`); every other job calls
``rec.refresh('<job>')`` — the ranking math stays in SQL. Cadence comes from settings
(``PGREC_SCHEDULE``), merged over :data:`DEFAULT_SCHEDULE`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DEFAULT_SCHEDULE", "JobSpec", "parse_schedule"]

#: job -> (seconds between runs, new events that make it due early or None).
DEFAULT_SCHEDULE: dict[str, tuple[float, int | None]] = {
    "embed": (60, None),               # new and edited items get vectors within a minute
    "trending": (300, None),           # trending is about the last hours: keep it minutes fresh
    "stats": (3600, None),             # engagement totals move slowly
    "neighbors": (86400, 5000),        # expensive; daily, or early after a burst of events
    "neighbors_history": (86400, None),  # fills neighbours for items the 180-day window misses
    "transitions": (3600, None),       # what users do next: shifts with the day's sessions
    "feed_signals": (3600, None),      # popularity, velocity, creator and per-tag lists
    "user_vectors": (86400, 1000),     # daily, or early once enough users did something new
}

_ENTRY = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*=\s*([0-9]+(?:\.[0-9]+)?)\s*(?:/\s*([0-9]+)\s*)?$")


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job."""

    name: str
    every: float                    # seconds between runs
    min_events: int | None = None   # run early once this many events arrived since the last run

    @property
    def is_embed(self) -> bool:
        return self.name == "embed"

    def tick(self, event_check: float) -> float:
        """How often the scheduler wakes this job: its cadence, or the event check if sooner."""
        return min(self.every, event_check) if self.min_events else self.every

    def __str__(self) -> str:
        early = f", or after {self.min_events} new events" if self.min_events else ""
        return f"{self.name}: every {self.every:g} s{early}"


def parse_schedule(text: str) -> list[JobSpec]:
    """Jobs from ``PGREC_SCHEDULE`` (``"job=seconds[/events], ..."``) merged over the defaults.

    ``job=0`` disables a job; a name that is not a default job schedules the refresh step of
    that name. Raises ValueError with the offending entry.
    """
    schedule = dict(DEFAULT_SCHEDULE)
    for entry in filter(str.strip, text.split(",")):
        match = _ENTRY.match(entry)
        if not match:
            raise ValueError(f"PGREC_SCHEDULE entry {entry.strip()!r} is not job=seconds or job=seconds/events")
        name, seconds, events = match.group(1), float(match.group(2)), match.group(3)
        schedule[name] = (seconds, int(events) if events else schedule.get(name, (0, None))[1])
    return [JobSpec(name, every, min_events or None) for name, (every, min_events) in schedule.items() if every > 0]
