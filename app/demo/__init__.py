"""Deterministic synthetic worlds for the pgrec demo and for offline evaluation.

``generate(size)`` is the generic demo (:mod:`.generic`); ``generate_world(name, size)`` builds
any world: the generic one under a realism preset (:data:`PRESETS`: ``ratings``, ``implicit``,
``long-history``) or an application (:data:`APPS`: ``explore``, ``marketplace``, ``learning``,
``profiles``). Shared machinery is in :mod:`.world`, words and places in ``vocabulary.json``.
"""

from __future__ import annotations

from datetime import datetime

from app.demo import generic
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

__all__ = ["DEFAULT_NOW", "EVENT_MIXES", "EVENT_TYPES", "POSITIVE_EVENT_TYPES", "PRESETS", "Dataset", "DemoSize",
           "generate"]


def generate(size: DemoSize = DemoSize(), now: datetime | None = None) -> Dataset:
    """Generate the deterministic generic demo dataset whose history ends at ``now``.

    ``now`` defaults to the fixed :data:`DEFAULT_NOW` so output depends on ``size`` alone;
    pass the real current time to get a history that ends today. It must be timezone-aware.
    """
    return generic.generate(size, utc(now))
