"""The split: each user's events in time order; the most recent share is held out.

A user with at least ``min_events`` keeps the oldest 80 % for training and holds out the most
recent 20 % (``holdout``); users with fewer events train only. The held-out *relevant* items are
the ones the user went on to interact with (``relevant="all"``: any event but a rejection; or
``"positive"``: like, save, share, apply, complete, a rating of 4 or more) and had not touched in
training — a feed never re-recommends what a user already interacted with.

Newcomers, as real logs have them: with ``cold_share`` > 0, that share of the evaluated users
(a deterministic sample) keeps only its first ``cold_keep`` events for training; their held-out
part is still their latest 20 %.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from app.evaluation.readers import Dataset, Event, is_positive

REJECTIONS = frozenset({"dismiss", "dislike", "hide", "skip"})


@dataclass
class Split:
    train: list[Event]
    relevant: dict[str, set[str]]      # evaluated user -> held-out items new to them
    seen: dict[str, set[str]]          # user -> items touched in training
    train_counts: Counter              # user -> training events (activity buckets)
    cold: set[str] = field(default_factory=set)  # evaluated users cut back to their first events


def _drawn(user: str, share: float, seed: int) -> bool:
    digest = hashlib.sha256(f"{seed}:{user}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def split(ds: Dataset, holdout: float = 0.2, min_events: int = 5, relevant: str = "all",
          cold_share: float = 0.0, cold_keep: int = 3, seed: int = 0) -> Split:
    if relevant not in ("all", "positive"):
        raise ValueError(f"relevant must be 'all' or 'positive', got {relevant!r}")
    wanted_event = is_positive if relevant == "positive" else (lambda e: e.type not in REJECTIONS)
    by_user: dict[str, list[tuple[int, Event]]] = defaultdict(list)
    for n, e in enumerate(ds.events):
        by_user[e.user].append((n, e))
    train: list[tuple[int, Event]] = []
    out = Split([], {}, defaultdict(set), Counter())
    for user, evs in by_user.items():
        evs.sort(key=lambda p: (p[1].at, p[0]))
        n_test = max(1, round(len(evs) * holdout)) if len(evs) >= min_events else 0
        head, tail = evs[:len(evs) - n_test], evs[len(evs) - n_test:]
        if tail and cold_share > 0 and _drawn(user, cold_share, seed):
            head = head[:cold_keep]
            out.cold.add(user)
        train += head
        out.train_counts[user] = len(head)
        for _, e in head:
            out.seen[user].add(e.item)
        wanted = {e.item for _, e in tail if wanted_event(e)} - out.seen[user]
        if tail and wanted:
            out.relevant[user] = wanted
        else:
            out.cold.discard(user)
    train.sort(key=lambda p: (p[1].at, p[0]))
    out.train = [e for _, e in train]
    return out
