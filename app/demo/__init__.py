"""Deterministic synthetic worlds for the pgrec demo and for offline evaluation.

``generate(size)`` is the generic demo (:mod:`.generic`). ``generate_world(name, size)`` builds
any world by name (:data:`WORLDS`): ``generic``; the generic world under a realism preset
(:data:`PRESETS`: ``ratings``, ``implicit``, ``long-history``); or an application world
(:data:`APPS`: ``explore``, ``marketplace``, ``learning``, ``profiles``), each with ids, event
types and behaviour of its own. Shared machinery is in :mod:`.world`, the words and places the
worlds are written from in ``vocabulary.json``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Callable

from app.demo import explore, generic, learning, marketplace, profiles
from app.demo.world import (
    DEFAULT_NOW,
    EVENT_MIXES,
    EVENT_TYPES,
    POSITIVE_EVENT_TYPES,
    PRESETS,
    Dataset,
    DemoSize,
    utc,
)

__all__ = ["APPS", "APP_SIZES", "DEFAULT_NOW", "EVENT_MIXES", "EVENT_TYPES", "POSITIVE_EVENT_TYPES", "PRESETS",
           "WORLDS", "Dataset", "DemoSize", "generate", "generate_world", "world_size"]

_APP_GENERATORS: dict[str, Callable[[DemoSize, datetime], Dataset]] = {
    "explore": explore.generate,
    "marketplace": marketplace.generate,
    "learning": learning.generate,
    "profiles": profiles.generate,
}
#: The application worlds (``pgrec demo --app NAME``).
APPS: tuple[str, ...] = tuple(_APP_GENERATORS)
#: Every world name ``generate_world`` (and ``pgrec evaluate --world``) accepts.
WORLDS: tuple[str, ...] = ("generic", *PRESETS, *APPS)
#: What ``pgrec demo --app NAME`` loads without size options: hundreds of creators or posters,
#: thousands of items and users, half a year of events.
APP_SIZES: dict[str, DemoSize] = {name: DemoSize(items=3000, users=2000, events=100_000, days=180) for name in APPS}


def generate(size: DemoSize = DemoSize(), now: datetime | None = None) -> Dataset:
    """Generate the deterministic generic demo dataset whose history ends at ``now``.

    ``now`` defaults to the fixed :data:`DEFAULT_NOW` so output depends on ``size`` alone;
    pass the real current time to get a history that ends today. It must be timezone-aware.
    """
    return generic.generate(size, utc(now))


def world_size(name: str, size: DemoSize, **knobs) -> DemoSize:
    """The size world ``name`` is generated with: a preset's knobs replace those of ``size``,
    then ``knobs`` (DemoSize fields; ``None`` = not given) replace those. Raises ValueError for
    an unknown world, or an event mix other than ``funnel`` for an application world (each
    has event types of its own)."""
    if name not in WORLDS:
        raise ValueError(f"unknown world {name!r}; choose one of {', '.join(WORLDS)}")
    size = (replace(size, **PRESETS[name]) if name in PRESETS else size).with_knobs(**knobs)
    if name in APPS and size.event_mix != "funnel":
        raise ValueError(f"the {name} world has its own event types; --event-mix is for the generic world")
    return size


def generate_world(name: str, size: DemoSize = DemoSize(), now: datetime | None = None, **knobs) -> Dataset:
    """Generate world ``name`` (one of :data:`WORLDS`) of ``size``; deterministic for a seed.

    Sizes and knobs as :func:`world_size`: ``generate_world("ratings", size, churn=0.2)``.
    """
    size = world_size(name, size, **knobs)
    if name in _APP_GENERATORS:
        return _APP_GENERATORS[name](size, utc(now))
    return generic.generate(size, utc(now))
