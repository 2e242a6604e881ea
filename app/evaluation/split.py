"""The split: each user's events in time order; the most recent share is held out.

A user with at least ``min_events`` keeps the oldest 80 % for training and holds out the most
recent 20 % (``holdout``); users with fewer events train only. The held-out *relevant* items
are those with a clear positive event (like, save, share, apply, complete, or a rating of 4 or
more) that the user had not touched in training: the feed never re-recommends what a user
already interacted with.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from app.evaluation.readers import Dataset, Event, is_positive


@dataclass
class Split:
    train: list[Event]
    cutoff: dict[str, datetime]        # evaluated user -> time of their first held-out event
    relevant: dict[str, set[str]]      # evaluated user -> held-out positive items new to them
    seen: dict[str, set[str]]          # user -> items touched in training
    positives: dict[str, list[str]]    # user -> positively trained items (baselines)
    train_counts: Counter              # user -> training events (activity buckets)


def split(ds: Dataset, holdout: float = 0.2, min_events: int = 5) -> Split:
    by_user: dict[str, list[tuple[int, Event]]] = defaultdict(list)
    for n, e in enumerate(ds.events):
        by_user[e.user].append((n, e))
    train: list[tuple[int, Event]] = []
    cutoff: dict[str, datetime] = {}
    relevant: dict[str, set[str]] = {}
    seen: dict[str, set[str]] = defaultdict(set)
    positives: dict[str, list[str]] = defaultdict(list)
    counts: Counter = Counter()
    for user, evs in by_user.items():
        evs.sort(key=lambda p: (p[1].at, p[0]))
        n_test = max(1, round(len(evs) * holdout)) if len(evs) >= min_events else 0
        head, tail = evs[:len(evs) - n_test], evs[len(evs) - n_test:]
        train += head
        counts[user] = len(head)
        for _, e in head:
            seen[user].add(e.item)
            if is_positive(e) and e.item not in positives[user]:
                positives[user].append(e.item)
        wanted = {e.item for _, e in tail if is_positive(e)} - seen[user]
        if tail and wanted:
            cutoff[user] = tail[0][1].at
            relevant[user] = wanted
    train.sort(key=lambda p: (p[1].at, p[0]))
    return Split([e for _, e in train], cutoff, relevant, seen, positives, counts)
