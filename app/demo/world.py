"""Machinery every demo world shares: the size and realism knobs, the vocabulary, vectorised
samplers, people who join and stop, the event clock, engagements, and the dataset object.

A world module (``generic``, ``explore``, ``marketplace``, ``learning``, ``profiles``) builds
its catalogue and latent state with these pieces and says what its users do; everything here
is about *how* to draw that quickly and deterministically, not about any one product.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol, TypeVar

import numpy as np

DEFAULT_NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)

HOUR = 3_600.0
DAY = 86_400.0

# The event types a fresh pgrec installation knows (sql/seed/0010_event_types.sql).
EVENT_TYPES: tuple[str, ...] = ("view", "click", "like", "save", "share", "apply", "complete", "rate", "dismiss")
# The event types that signal clear interest (clicks are too cheap, ratings carry a value).
POSITIVE_EVENT_TYPES: frozenset[str] = frozenset({"like", "save", "share", "apply", "complete"})
VIEW, CLICK, LIKE, SAVE, SHARE, APPLY, COMPLETE, RATE, DISMISS = range(len(EVENT_TYPES))

#: How event types are mixed: every type through a funnel (the demo), explicit ratings only
#: (like MovieLens: every event is a ``rate`` of 0.5..5 in half stars), or implicit feedback only
#: (what a site records without asking: no ratings, no dismissals).
EVENT_MIXES: tuple[str, ...] = ("funnel", "ratings", "implicit")

MAX_DAYS = 3_650
CHUNK_EVENTS = 200_000  # events simulated per vectorised step: bounds memory for any size
MAX_REDRAWS = 100  # give-up limit for re-drawing events that hit an invalid (user, item) pair
USER_REDRAW_AFTER = 3  # then also re-draw the user: e.g. a creator alone with their own items


@dataclass(frozen=True)
class DemoSize:
    """How much data to generate, over which time span, from which seed, and how realistic.

    The realism knobs default to the demo's behaviour; real logs have them all at once:
    ``churn`` (users who stop: their activity ends at a random time between joining and now),
    ``long_tail`` (a share of the catalogue that draws almost no attention), ``disliked`` (a
    share of events spent on items the user turns out to dislike: low ratings, short views,
    dismissals) and ``event_mix`` (one of :data:`EVENT_MIXES`; the application worlds have
    their own event types and accept only ``funnel``).
    """

    items: int = 2000
    users: int = 500
    events: int = 50_000
    days: int = 120  # time span of the event history, ending at "now"
    seed: int = 42
    churn: float = 0.0
    long_tail: float = 0.0
    disliked: float = 0.0
    event_mix: str = "funnel"

    def __post_init__(self) -> None:
        # Small floors keep every cluster, backlog and trending group non-empty.
        if self.items < 20 or self.users < 20:
            raise ValueError("DemoSize needs at least 20 items and 20 users")
        if self.events < 0:
            raise ValueError("DemoSize.events must be >= 0")
        if not 7 <= self.days <= MAX_DAYS:
            raise ValueError(f"DemoSize.days must be 7..{MAX_DAYS} (trending needs a few quiet days before it)")
        if self.seed < 0:
            raise ValueError("DemoSize.seed must be >= 0")
        # Some users must stay and some items must be popular, or nothing is left to recommend.
        for name, top in (("churn", 0.9), ("long_tail", 0.9), ("disliked", 0.5)):
            if not 0.0 <= getattr(self, name) <= top:
                raise ValueError(f"DemoSize.{name} must be between 0 and {top}")
        if self.event_mix not in EVENT_MIXES:
            raise ValueError(f"DemoSize.event_mix must be one of {', '.join(EVENT_MIXES)}")

    def with_knobs(self, **knobs: Any) -> DemoSize:
        """A copy with the given fields changed; ``None`` values are ignored (unset options)."""
        known = {f.name for f in fields(self)}
        unknown = set(knobs) - known
        if unknown:
            raise ValueError(f"unknown DemoSize fields: {', '.join(sorted(unknown))}")
        return replace(self, **{k: v for k, v in knobs.items() if v is not None})


#: Named realism settings for the generic world (``pgrec evaluate --world NAME``): each is what
#: a kind of real log looks like, so a tuner fitted on one is not flattered by the demo's ideals.
PRESETS: dict[str, dict[str, Any]] = {
    # MovieLens-like: explicit half-star ratings only, years of history, most users gone, a
    # long tail of rarely rated items, and ratings that mean "did not like it".
    "ratings": {"event_mix": "ratings", "days": 3 * 365, "churn": 0.6, "long_tail": 0.5, "disliked": 0.15},
    # A site that only watches: views, clicks, likes, saves ... no ratings or dismissals, so
    # dislike shows only as views that lead nowhere.
    "implicit": {"event_mix": "implicit", "days": 365, "churn": 0.4, "long_tail": 0.4, "disliked": 0.2},
    # The demo's funnel with every realism knob on: two years, churn, long tail, dislikes.
    "long-history": {"days": 2 * 365, "churn": 0.5, "long_tail": 0.4, "disliked": 0.1},
}


# --------------------------------------------------------------------------------------
# Vocabulary (app/demo/vocabulary.json)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cluster:
    """A hobby community: one category tag, tool and topic pools, and words to write with."""

    name: str
    # Pools are ordered most-common first: tags are drawn with a skew towards the front.
    tools: tuple[str, ...]
    topics: tuple[str, ...]
    nouns: tuple[str, ...]
    adjectives: tuple[str, ...]
    verbs: tuple[str, ...]

    @property
    def category(self) -> str:
        return f"category:{self.name}"


@dataclass(frozen=True)
class City:
    name: str
    lat: float
    lon: float
    share: float  # of the people in a world who live there
    currency: str
    pay_index: float  # local money per unit of a world's base pay
    utc_offset: float  # hours; local days make study streaks
    neighbourhoods: tuple[str, ...]


def _frozen(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return {k: _frozen(v) for k, v in value.items()}
    return value


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, Any]:
    """The parsed vocabulary file, lists as tuples (read once)."""
    text = resources.files("app.demo").joinpath("vocabulary.json").read_text(encoding="utf-8")
    return _frozen(json.loads(text))


def clusters() -> tuple[Cluster, ...]:
    return tuple(Cluster(**c) for c in vocabulary()["clusters"])


def cities() -> tuple[City, ...]:
    return tuple(City(**c) for c in vocabulary()["cities"])


CITY_SPREAD_KM = 4.0


# --------------------------------------------------------------------------------------
# Vectorised sampling helpers
# --------------------------------------------------------------------------------------


class PrefixSampler:
    """Weighted draws among members created strictly before a time, optionally per group.

    Members are laid out sorted by (group, created) with one running cumulative weight, so
    "the members of group g that exist at time t" is a contiguous range found by binary
    search, and one uniform draw inside that range's cumulative weight picks a member. This
    keeps time-dependent eligibility fully vectorised, with no per-event Python work. With
    ``since``, only members created after that time count (short-lived listings: drawing among
    everything ever posted would mostly hit expired ones).
    """

    def __init__(self, created: np.ndarray, weights: np.ndarray, horizon: float,
                 groups: np.ndarray | None = None, n_groups: int = 1, ids: np.ndarray | None = None) -> None:
        groups = np.zeros(len(created), np.int64) if groups is None else groups.astype(np.int64)
        order = np.lexsort((created, groups))
        self._members = order if ids is None else ids[order]
        sorted_groups = groups[order]
        self._offset = float(created.min())
        # Wider than any query time, so keys of one group never reach into the next.
        self._stride = max(horizon, float(created.max())) - self._offset + 1.0
        self._keys = sorted_groups * self._stride + (created[order] - self._offset)
        self._cum = np.cumsum(weights[order].astype(np.float64))
        self._group_lo = np.searchsorted(sorted_groups, np.arange(n_groups))

    def sample(self, rng: np.random.Generator, t: np.ndarray, groups: np.ndarray | None = None,
               since: np.ndarray | None = None) -> np.ndarray:
        """One member per query time (within its group); -1 where none exists yet."""
        g = np.zeros(len(t), np.int64) if groups is None else groups
        lo = self._group_lo[g]
        if since is not None:
            lo = np.maximum(lo, np.searchsorted(self._keys, g * self._stride + np.maximum(since - self._offset, 0.0),
                                                side="left"))
        hi = np.searchsorted(self._keys, g * self._stride + np.maximum(t - self._offset, 0.0), side="left")
        found = hi > lo
        base = np.where(lo > 0, self._cum[np.maximum(lo - 1, 0)], 0.0)
        top = self._cum[np.maximum(hi - 1, 0)]
        pos = np.searchsorted(self._cum, base + rng.random(len(t)) * (top - base), side="right")
        pos = np.clip(pos, lo, np.maximum(hi - 1, lo))  # guards float rounding at range edges
        return np.where(found, self._members[np.minimum(pos, len(self._members) - 1)], -1)

    def latest(self, rng: np.random.Generator, t: np.ndarray, groups: np.ndarray, p_newest: float) -> np.ndarray:
        """One of the newest members of each group created before t (the newest with probability
        ``p_newest``, the one before next, ...); -1 where the group has none yet."""
        lo = self._group_lo[groups]
        hi = np.searchsorted(self._keys, groups * self._stride + np.maximum(t - self._offset, 0.0), side="left")
        pos = np.maximum(hi - rng.geometric(p_newest, len(t)), lo)
        return np.where(hi > lo, self._members[np.minimum(pos, len(self._members) - 1)], -1)


class ActiveUsers:
    """Users weighted by activity among those who joined before t and had not stopped yet.

    Without churn this is one :class:`PrefixSampler` draw. With churn, a draw that hits a user
    who already stopped is re-drawn a few times (which keeps the activity weights exact) and
    then taken from the users who never stop, so a draw always succeeds quickly.
    """

    def __init__(self, created: np.ndarray, activity: np.ndarray, stopped: np.ndarray, horizon: float,
                 ids: np.ndarray | None = None) -> None:
        self._ids = np.arange(len(created)) if ids is None else ids
        self._all = PrefixSampler(created, activity, horizon, ids=self._ids)
        self._stopped = stopped  # indexed by user row; inf = never
        stay = np.isinf(stopped[self._ids])
        self._churn = not stay.all()
        self._stayers = (PrefixSampler(created[stay], activity[stay], horizon, ids=self._ids[stay])
                         if self._churn else None)

    def sample(self, rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
        user = self._all.sample(rng, t)
        if not self._churn:
            return user
        for _ in range(4):
            gone = np.flatnonzero((user >= 0) & (t >= self._stopped[np.maximum(user, 0)]))
            if not gone.size:
                return user
            user[gone] = self._all.sample(rng, t[gone])
        gone = np.flatnonzero((user >= 0) & (t >= self._stopped[np.maximum(user, 0)]))
        user[gone] = self._stayers.sample(rng, t[gone])
        return user


def categorical(rng: np.random.Generator, cumulative: np.ndarray) -> np.ndarray:
    """Row-wise draw from per-row cumulative probabilities (shape [n, k])."""
    return np.minimum((rng.random(len(cumulative))[:, None] > cumulative).sum(axis=1), cumulative.shape[1] - 1)


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance; NaN where either side has no location."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def scatter_around_cities(rng: np.random.Generator, city: np.ndarray,
                          spread_km: float = CITY_SPREAD_KM) -> tuple[np.ndarray, np.ndarray]:
    places = cities()
    lat0 = np.array([c.lat for c in places])[city]
    lon0 = np.array([c.lon for c in places])[city]
    dlat = rng.normal(0.0, spread_km / 111.0, len(city))
    dlon = rng.normal(0.0, spread_km / 111.0, len(city)) / np.cos(np.radians(lat0))
    return np.round(lat0 + dlat, 5), np.round(lon0 + dlon, 5)


def iso(seconds: np.ndarray) -> list[str]:
    """Epoch seconds -> ISO-8601 strings in UTC, e.g. '2025-10-03T12:00:00+00:00'."""
    return [f"{s}+00:00" for s in np.datetime_as_string(np.asarray(seconds).astype("datetime64[s]"), unit="s").tolist()]


_T = TypeVar("_T")


def pick(pool: Sequence[_T], x: float, skew: float = 1.0) -> _T:
    """Deterministic pick from a pre-drawn uniform x; skew > 1 favours the front of the pool."""
    return pool[min(int(len(pool) * x**skew), len(pool) - 1)]


def pick_distinct(pool: Sequence[str], xs: Sequence[float], skew: float) -> list[str]:
    left = list(pool)
    return [left.pop(min(int(len(left) * x**skew), len(left) - 1)) for x in xs]


def label(tag: str) -> str:
    return tag.split(":", 1)[-1].replace("-", " ")


def join(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def article(word: str) -> str:
    """"a word" or "an word"."""
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def zipf_by_group(rng: np.random.Generator, group: np.ndarray, exponent: float) -> np.ndarray:
    """Zipf-like popularity ``1 / rank^s`` by a random rank inside each group."""
    n = len(group)
    by_group = np.lexsort((rng.random(n), group))
    sorted_group = group[by_group]
    rank = np.empty(n)
    rank[by_group] = np.arange(n) - np.searchsorted(sorted_group, sorted_group)
    return (rank + 1.0) ** -exponent


# A long-tail item is this much less attractive than its rank says: with Zipf popularity most
# of a big catalogue then sees a handful of events, as real catalogues do.
LONG_TAIL_FACTOR = 0.01


def long_tail(rng: np.random.Generator, popularity: np.ndarray, share: float) -> np.ndarray:
    """Popularity with a random ``share`` of the items pushed into the long tail."""
    if share <= 0:
        return popularity
    tail = rng.permutation(len(popularity))[:round(share * len(popularity))]
    out = popularity.copy()
    out[tail] *= LONG_TAIL_FACTOR
    return out


def stop_times(rng: np.random.Generator, joined: np.ndarray, start: float, now: float, churn: float) -> np.ndarray:
    """When each user stops (inf = never): a ``churn`` share stops at a uniformly random moment
    between joining (or the start of the history) and now. The earliest user always stays, so
    someone is active at every moment of the history."""
    n = len(joined)
    stopped = np.full(n, np.inf)
    if churn <= 0:
        return stopped
    leaves = rng.random(n) < churn
    leaves[np.argmin(joined)] = False
    begin = np.maximum(joined, start)
    stopped[leaves] = np.floor(begin[leaves] + rng.random(int(leaves.sum())) * (now - begin[leaves]))
    return stopped


# --------------------------------------------------------------------------------------
# People: who joins when, how active, what they like, where they live, when they stop
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class People:
    """Latent arrays of a population, in creation order (row 0 joined first)."""

    created: np.ndarray
    activity: np.ndarray  # log-normal: a heavy tail of very active people
    affinity: np.ndarray  # [people, clusters] taste mixture, rows sum to 1
    taste_order: np.ndarray  # [people, clusters] clusters by appeal to this person, best first
    city: np.ndarray
    lat: np.ndarray
    lon: np.ndarray

    @property
    def disliked(self) -> np.ndarray:
        """The cluster each person likes least."""
        return self.taste_order[:, -1]

    def __len__(self) -> int:
        return len(self.created)


def people(rng: np.random.Generator, n: int, n_clusters: int, start: float, now: float, *,
           located: float = 0.75, city_spread_km: float = CITY_SPREAD_KM) -> People:
    """A population: 45 % joined in the year before the history (so someone is always there),
    the rest join during it; activity log-normal; taste a mixture of one to three clusters drawn
    by the clusters' appeal; a home city, with a location for a ``located`` share."""
    n_backlog = max(1, round(0.45 * n))
    created = np.concatenate([start - rng.uniform(0, 365 * DAY, n_backlog),
                              rng.uniform(start, now - DAY, n - n_backlog)])
    created = np.floor(np.sort(created))
    activity = rng.lognormal(0.0, 1.3, n)
    appeal = rng.dirichlet(np.full(n_clusters, 3.0))
    taste_order = np.argsort(-(np.log(appeal) + rng.gumbel(size=(n, n_clusters))), axis=1)
    n_taste = rng.choice([1, 2, 3], n, p=[0.4, 0.4, 0.2])
    mix = rng.gamma(2.0, size=(n, 3)) * (np.arange(3) < n_taste[:, None])
    mix = np.sort(mix, axis=1)[:, ::-1]
    mix /= mix.sum(axis=1, keepdims=True)
    affinity = np.zeros((n, n_clusters))
    affinity[np.arange(n)[:, None], taste_order[:, :3]] = mix
    city = rng.choice(len(cities()), n, p=np.array([c.share for c in cities()]))
    lat, lon = scatter_around_cities(rng, city, city_spread_km)
    unlocated = rng.random(n) >= located
    lat[unlocated] = lon[unlocated] = np.nan
    return People(created, activity, affinity, taste_order, city, lat, lon)


def taste_strength(affinity: np.ndarray, user: np.ndarray, cluster: np.ndarray, floor: float = 0.5) -> np.ndarray:
    """How much a user likes a cluster, 0..1: ``min(1, floor + mixture weight)`` inside their
    taste (a minor cluster still counts, just less), 0 outside."""
    s = affinity[user, cluster]
    return np.where(s > 0, np.minimum(1.0, floor + s), 0.0)


# --------------------------------------------------------------------------------------
# The event clock
# --------------------------------------------------------------------------------------


class EventClock:
    """When events happen: an hourly density that grows towards now, with a daily rhythm
    peaking in the (UTC) evening; drawn in time-ordered chunks of bounded size."""

    def __init__(self, start: float, now: float, growth: float = 0.6, peak_hour: float = 19,
                 daily: float = 0.35) -> None:
        self.start, self.now = start, now
        n_bins = round((now - start) / HOUR)
        self.bin_start = start + np.arange(n_bins) * HOUR
        progress = np.arange(n_bins) / n_bins
        hour_of_day = (self.bin_start % DAY) / HOUR
        density = np.exp(growth * progress) * (1 + daily * np.cos(2 * np.pi * (hour_of_day - peak_hour) / 24))
        self.bin_p = density / density.sum()

    def random_times(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.bin_start[rng.choice(len(self.bin_p), n, p=self.bin_p)] + rng.random(n) * HOUR

    def chunks(self, rng: np.random.Generator, n: int) -> Iterator[tuple[float, float, np.ndarray]]:
        """(chunk start, chunk end, sorted times in it) for ``n`` events over the history."""
        counts = rng.multinomial(n, self.bin_p)
        cum = np.cumsum(counts)
        cuts = np.searchsorted(cum, np.arange(CHUNK_EVENTS, cum[-1], CHUNK_EVENTS), side="left") + 1
        edges = np.unique(np.concatenate([[0], cuts, [len(counts)]]))
        for b0, b1 in zip(edges[:-1], edges[1:]):
            t0 = self.bin_start[b0]
            t1 = self.bin_start[b1] if b1 < len(counts) else self.now
            k = int(counts[b0:b1].sum())
            yield t0, t1, np.sort(np.repeat(self.bin_start[b0:b1], counts[b0:b1]) + rng.random(k) * HOUR)


def draw_pairs(rng: np.random.Generator, t: np.ndarray, users: ActiveUsers,
               pick_items: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
               invalid: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]) -> tuple[np.ndarray, ...]:
    """(user, item, mode) per time: a user active then, an item they may act on then.

    Draws that hit an invalid pair (the user's own item, an expired one, ...) are re-drawn, and
    after a few attempts with another user too."""
    user = users.sample(rng, t)  # always found: the earliest users predate the history
    item, mode = pick_items(t, user)
    bad = invalid(t, user, item)
    attempt = 0
    while (redo := np.flatnonzero(bad)).size:
        if attempt == MAX_REDRAWS:
            raise RuntimeError("cannot place events on valid (user, item) pairs; use a larger DemoSize")
        if attempt >= USER_REDRAW_AFTER:
            user[redo] = users.sample(rng, t[redo])
        item[redo], mode[redo] = pick_items(t[redo], user[redo])
        bad[redo] = invalid(t[redo], user[redo], item[redo])
        attempt += 1
    return user, item, mode


# --------------------------------------------------------------------------------------
# Events of the application worlds: engagements that unfold in a few steps
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Events:
    """A time-sorted run of events as parallel arrays.

    ``context`` maps a context key to per-event values (NaN = key absent); ``source`` indexes
    the world's list of sources (-1 = none)."""

    t: np.ndarray
    user: np.ndarray
    item: np.ndarray
    type: np.ndarray
    value: np.ndarray  # NaN = no value
    source: np.ndarray
    context: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.t)

    def select(self, index: np.ndarray | slice) -> Events:
        return Events(self.t[index], self.user[index], self.item[index], self.type[index], self.value[index],
                      self.source[index], {k: v[index] for k, v in self.context.items()})

    @staticmethod
    def empty(context_keys: Sequence[str] = ()) -> Events:
        return Events(np.empty(0), np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64),
                      np.empty(0), np.empty(0, np.int64), {k: np.empty(0) for k in context_keys})

    @staticmethod
    def merge(parts: Sequence[Events]) -> Events:
        keys = sorted({k for p in parts for k in p.context})
        merged = Events(*(np.concatenate(cols) for cols in zip(*((p.t, p.user, p.item, p.type, p.value, p.source)
                                                                 for p in parts))),
                        {k: np.concatenate([p.context.get(k, np.full(len(p), np.nan)) for p in parts]) for k in keys})
        return merged.select(np.argsort(merged.t, kind="stable"))


@dataclass
class Steps:
    """Up to ``depth`` steps per engagement (one row per candidate engagement).

    A world fills ``type`` (-1 = no such step), ``gap`` (seconds since the previous step),
    ``value`` and context columns; :func:`unfold` keeps only the filled steps, in order."""

    n: int
    depth: int
    type: np.ndarray = field(init=False)
    gap: np.ndarray = field(init=False)
    value: np.ndarray = field(init=False)
    context: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.type = np.full((self.n, self.depth), -1, np.int64)
        self.gap = np.zeros((self.n, self.depth))
        self.value = np.full((self.n, self.depth), np.nan)

    def column(self, key: str) -> np.ndarray:
        """A context column (created empty on first use)."""
        if key not in self.context:
            self.context[key] = np.full((self.n, self.depth), np.nan)
        return self.context[key]


def unfold(rng: np.random.Generator, t: np.ndarray, user: np.ndarray, item: np.ndarray, source: np.ndarray,
           steps: Steps, deadline: np.ndarray) -> Events:
    """Exactly ``len(t)`` events from candidate engagements, one candidate per event slot.

    An engagement (a view, then maybe a click, an application ...) takes as many events as it
    has steps, so only some candidates are used: a random subset, which keeps the engagements'
    start times distributed like the slots; the last one taken may be cut short. Later steps
    follow the start by their gaps, but never after ``deadline`` (the end of the chunk, the
    item's expiry, the user's stop)."""
    n = len(t)
    if n == 0:
        return Events.empty(tuple(steps.context))
    filled = steps.type >= 0
    # Steps left-aligned, so "the first k steps" of a row are its first k filled ones.
    order = np.argsort(~filled, axis=1, kind="stable")
    rows = np.arange(n)[:, None]
    etype, gap, value = steps.type[rows, order], steps.gap[rows, order], steps.value[rows, order]
    context = {k: v[rows, order] for k, v in steps.context.items()}
    depth = filled.sum(axis=1)
    chosen = rng.permutation(n)
    cum = np.cumsum(depth[chosen])
    k = int(np.searchsorted(cum, n, side="left"))  # candidates chosen[0..k] cover n events
    chosen = chosen[:k + 1]
    take = depth[chosen].copy()
    take[-1] -= int(cum[k]) - n
    keep = np.arange(steps.depth)[None, :] < take[:, None]
    at = t[chosen][:, None] + np.cumsum(gap[chosen], axis=1)
    at = np.maximum(np.minimum(at, deadline[chosen][:, None]), t[chosen][:, None])
    r, c = np.nonzero(keep)
    ev = Events(np.floor(at[r, c]), user[chosen][r], item[chosen][r], etype[chosen][r, c], value[chosen][r, c],
                source[chosen][r], {key: col[chosen][r, c] for key, col in context.items()})
    return ev.select(np.argsort(ev.t, kind="stable"))


def event_records(ev: Events, user_ids: Sequence[str], item_ids: Sequence[str], sources: Sequence[str],
                  first_number: int, prefix: str, integer_keys: frozenset[str] = frozenset()) -> list[dict]:
    """Events as ``rec.track`` objects; event ids ``{prefix}{number:09d}`` in time order."""
    keys = sorted(ev.context)
    columns = [ev.context[k].tolist() for k in keys]
    out = []
    for n, (u, i, k, v, at, s, *ctx) in enumerate(zip(ev.user.tolist(), ev.item.tolist(), ev.type.tolist(),
                                                    ev.value.tolist(), iso(ev.t), ev.source.tolist(), *columns),
                                                start=first_number):
        context: dict[str, Any] = {} if s < 0 else {"source": sources[s]}
        for key, x in zip(keys, ctx):
            if x == x:
                context[key] = int(x) if key in integer_keys else x
        out.append({"event_id": f"{prefix}{n:09d}", "user_id": user_ids[u], "item_id": item_ids[i],
                    "type": EVENT_TYPES[k], "value": None if v != v else v, "at": at, "context": context or None})
    return out


class AppWorld:
    """What an application world provides to :class:`EngagementSimulation`.

    A subclass sets the attributes below in its constructor and says how a user picks an
    item (``pick_items``), which pairs cannot happen (``invalid``) and what an engagement with
    the item looks like (``engage``); ``runs`` adds events simulated up front (sequences that
    span days, like working through a course)."""

    prefix: str  # of event ids, so worlds loaded into one database never share an id
    sources: tuple[str, ...]  # context.source values
    integer_context: frozenset[str] = frozenset()  # context keys written as integers
    start: float
    now: float
    events: int
    seed: int
    user_ids: list[str]
    item_ids: list[str]
    affinity: np.ndarray
    user_stopped: np.ndarray
    item_expires: np.ndarray
    active: ActiveUsers
    categories: Sequence[str]
    clock: EventClock

    def simulation(self) -> EngagementSimulation:
        return EngagementSimulation(self)

    def runs(self, rng: np.random.Generator) -> Events:
        return Events.empty()

    def pick_items(self, rng: np.random.Generator, t: np.ndarray, user: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def invalid(self, t: np.ndarray, user: np.ndarray, item: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def engage(self, rng: np.random.Generator, t: np.ndarray, user: np.ndarray, item: np.ndarray,
               mode: np.ndarray) -> tuple[Steps, np.ndarray]:
        """Steps of each candidate engagement and its context source."""
        raise NotImplementedError


class EngagementSimulation:
    """An application world's history: event slots from the clock, a user and an item per
    slot, engagements unfolded into exactly the requested number of events, merged with the
    world's up-front runs."""

    EVENT_STREAM = 1

    def __init__(self, world: AppWorld) -> None:
        self._w = world
        self._rng = np.random.default_rng([world.seed, self.EVENT_STREAM])

    def chunks(self) -> Iterator[Events]:
        rng, w = self._rng, self._w
        runs = w.runs(rng)
        for t0, t1, t in w.clock.chunks(rng, w.events - len(runs)):
            user, item, mode = draw_pairs(rng, t, w.active, lambda tt, uu: w.pick_items(rng, tt, uu), w.invalid)
            steps, source = w.engage(rng, t, user, item, mode)
            # Follow-up steps stay inside the chunk (time order across chunks), before the
            # item expires and before the user stops.
            deadline = np.minimum(np.minimum(w.item_expires[item], w.user_stopped[user] - 1), min(t1, w.now))
            c0, c1 = np.searchsorted(runs.t, [t0, t1], side="left")
            yield Events.merge([unfold(rng, t, user, item, source, steps, deadline), runs.select(slice(c0, c1))])

    def records(self, chunk: Events, first_number: int) -> list[dict]:
        w = self._w
        return event_records(chunk, w.user_ids, w.item_ids, w.sources, first_number, w.prefix, w.integer_context)


# --------------------------------------------------------------------------------------
# The dataset every world returns
# --------------------------------------------------------------------------------------


class Simulation(Protocol):
    """A world's event history, simulated afresh (and identically) on every call."""

    def chunks(self) -> Iterator[Any]:
        """Time-ordered chunks; each has ``len()`` and ``select(slice)``."""

    def records(self, chunk: Any, first_number: int) -> list[dict]:
        """The chunk's events as ``rec.track`` objects, numbered from ``first_number``."""


class Latent(Protocol):
    """What a world keeps about its people beyond the records (for tests and evaluation)."""

    user_ids: list[str]
    affinity: np.ndarray
    user_stopped: np.ndarray
    categories: Sequence[str]

    def simulation(self) -> Simulation: ...


@dataclass
class Dataset:
    """A generated catalogue (items, users) and a lazily replayable event history.

    ``onboarding`` holds quiz answers as the words a user would pick (``picks``); the loader
    matches them to the installation's questions of ``questionnaire``. ``paths`` are learning
    paths in the shape ``rec.upsert_paths`` takes and ``consents`` answers for
    ``rec.upsert_consents``. ``follows`` are users following creators (``{user_id, creator_id,
    followed_at, unfollowed_at}``), loaded through ``rec.follow`` and ``rec.unfollow``.
    ``unloaded`` holds what a world generates but pgrec's SQL API cannot store yet, by name."""

    items: list[dict]
    users: list[dict]
    now: datetime  # end of the simulated history (UTC); replay the events with this as "now"
    size: DemoSize
    _world: Latent = field(repr=False, compare=False)
    app: str = "generic"
    onboarding: list[dict] = field(default_factory=list)
    paths: list[dict] = field(default_factory=list)
    consents: list[dict] = field(default_factory=list)
    unloaded: dict[str, list[dict]] = field(default_factory=dict)
    questionnaire: str = "default"
    follows: list[dict] = field(default_factory=list)
    _rows: dict[str, int] | None = field(default=None, init=False, repr=False, compare=False)

    def events(self, batch_size: int = 5000) -> Iterator[list[dict]]:
        """Yield all ``size.events`` events in non-decreasing ``at`` order, in batches.

        The history is simulated afresh (and identically) on every call, chunk by chunk, so
        memory stays bounded however many events there are. Batch size only changes the
        batching, never the events.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        simulation = self._world.simulation()
        number = 0
        pending: list[dict] = []
        for chunk in simulation.chunks():
            pos = 0
            while pos < len(chunk):
                take = min(batch_size - len(pending), len(chunk) - pos)
                pending.extend(simulation.records(chunk.select(slice(pos, pos + take)), number + 1))
                pos += take
                number += take
                if len(pending) == batch_size:
                    yield pending
                    pending = []
        if pending:
            yield pending

    def _user_row(self, user_id: str) -> int:
        if self._rows is None:
            self._rows = {u: n for n, u in enumerate(self._world.user_ids)}
        if user_id not in self._rows:
            raise KeyError(user_id)
        return self._rows[user_id]

    def user_taste(self, user_id: str) -> list[str]:
        """The user's latent taste as category tags, strongest first (e.g. ["category:design"])."""
        row = self._world.affinity[self._user_row(user_id)]
        liked = np.flatnonzero(row > 0)
        return [self._world.categories[c] for c in liked[np.argsort(-row[liked], kind="stable")]]

    def stopped_at(self, user_id: str) -> datetime | None:
        """When the user stopped using the product (``churn``), or None if they never do."""
        stopped = self._world.user_stopped[self._user_row(user_id)]
        return None if np.isinf(stopped) else datetime.fromtimestamp(float(stopped), tz=timezone.utc)


def utc(now: datetime | None) -> datetime:
    """``now`` as UTC (default :data:`DEFAULT_NOW`); it must be timezone-aware."""
    now = DEFAULT_NOW if now is None else now
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(timezone.utc)
