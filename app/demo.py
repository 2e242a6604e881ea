"""Deterministic synthetic data for the pgrec demo and for offline evaluation.

The data has planted structure, strong enough that a collaborative + tag-preference
recommender measurably beats a popularity baseline, but noisy and skewed like real traffic.

The model, in plain words
-------------------------
* **Taste clusters.** Ten hobby communities (design, photography, programming, data,
  music, cooking, fitness, woodworking, gardening, languages). Each owns one category tag, a
  pool of tools and topics (some shared between neighbouring clusters, e.g. ``tool:python``
  for programming and data) and a vocabulary of real English words that titles and
  descriptions are written from, so full-text search and text embeddings see the clusters.
* **Users** each like a mixture of one to three clusters and strongly dislike one other.
  Activity is heavy-tailed (log-normal): a few users produce a large share of all events.
  About 30% declare preferences (preferred and blocked tags, a distance limit, a price range)
  that agree with their hidden taste, and their behaviour respects those limits.
* **Creators** are ordinary users (~10%); each makes items mostly in one or two clusters and
  never interacts with their own items.
* **Items** are projects, lessons or listings. Lessons come in short courses (3-8 lessons by
  one creator, rising level, ``attributes.course`` + ``attributes.sequence``) that users
  tend to complete in order, so "next item" transitions exist. Popularity inside a cluster
  is Zipf-like. ~70% of items sit near one of five real cities, ~60% have a log-normal
  price, ~2% are hidden or archived, some listings expire. Ids follow creation order.
* **Events.** Times are drawn from an hourly density that grows towards ``now`` and has a
  daily rhythm. A user (weighted by activity, existing at that moment) picks with
  probability 0.75 a popular item from one of their taste clusters, otherwise a globally
  popular item (noise). Only items that exist, have not expired and were not made by the
  user are eligible. The event type follows a funnel (views >> clicks > likes, saves >
  shares, applies, completes) whose positive share is several times higher in-taste than
  out-of-taste, where dismissals dominate instead; ratings are high in-taste, low
  outside. A few brand-new items (~0.5%, created in the last 3 days) get a burst of
  attention in the last 2 days: they are trending.

Everything is seeded: the same :class:`DemoSize` (and ``now``) gives byte-identical output.
Events are simulated lazily in time-ordered chunks, so millions of them never sit in
memory at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TypeVar

import numpy as np

__all__ = ["DEFAULT_NOW", "EVENT_TYPES", "POSITIVE_EVENT_TYPES", "Dataset", "DemoSize", "generate"]

EVENT_TYPES: tuple[str, ...] = ("view", "click", "like", "save", "share", "apply", "complete", "rate", "dismiss")
# The event types that signal clear interest (clicks are too cheap, ratings carry a value).
POSITIVE_EVENT_TYPES: frozenset[str] = frozenset({"like", "save", "share", "apply", "complete"})

DEFAULT_NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)

_HOUR = 3_600.0
_DAY = 86_400.0

# Separate random streams per purpose, so changing how events are simulated never changes
# the catalogue generated for the same seed.
_CATALOGUE_STREAM = 0
_EVENT_STREAM = 1


@dataclass(frozen=True)
class DemoSize:
    """How much data to generate, over which time span, from which seed."""

    items: int = 2000
    users: int = 500
    events: int = 50_000
    days: int = 120  # time span of the event history, ending at "now"
    seed: int = 42

    def __post_init__(self) -> None:
        # Small floors keep every cluster, backlog and trending group non-empty.
        if self.items < 20 or self.users < 20:
            raise ValueError("DemoSize needs at least 20 items and 20 users")
        if self.events < 0:
            raise ValueError("DemoSize.events must be >= 0")
        if self.days < 7:
            raise ValueError("DemoSize.days must be >= 7 (trending needs a few quiet days before it)")
        if self.seed < 0:
            raise ValueError("DemoSize.seed must be >= 0")


# --------------------------------------------------------------------------------------
# Vocabulary: clusters, cities, names, wording
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cluster:
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


_CLUSTERS: tuple[_Cluster, ...] = (
    _Cluster(
        "design",
        ("figma", "illustrator", "photoshop", "procreate", "indesign"),
        ("color", "typography", "branding", "layout", "icons", "visualization"),
        ("poster", "logo", "palette", "grid", "typeface", "icon", "brochure", "mockup", "sketch",
         "illustration", "badge", "wireframe"),
        ("minimal", "bold", "vibrant", "elegant", "playful", "clean", "geometric", "retro"),
        ("design", "sketch", "compose", "refine", "illustrate"),
    ),
    _Cluster(
        "photography",
        ("camera", "lightroom", "photoshop", "tripod", "flash"),
        ("portrait", "landscape", "lighting", "composition", "color", "street"),
        ("portrait", "sunset", "shutter", "lens", "exposure", "frame", "shadow", "skyline", "film",
         "aperture", "print", "studio"),
        ("moody", "golden", "crisp", "candid", "dramatic", "natural", "cinematic", "soft"),
        ("shoot", "frame", "edit", "capture", "expose"),
    ),
    _Cluster(
        "programming",
        ("python", "javascript", "react", "git", "sql"),
        ("web", "apis", "testing", "databases", "automation"),
        ("app", "server", "component", "function", "endpoint", "script", "framework", "bug",
         "deployment", "interface", "library", "query"),
        ("fast", "robust", "scalable", "modern", "tiny", "reactive", "secure", "typed"),
        ("build", "debug", "deploy", "refactor", "test"),
    ),
    _Cluster(
        "data",
        ("python", "jupyter", "pandas", "sql", "excel"),
        ("statistics", "visualization", "machine-learning", "forecasting", "databases"),
        ("dataset", "chart", "model", "regression", "dashboard", "notebook", "forecast", "cluster",
         "survey", "metric", "sample", "trend"),
        ("predictive", "clear", "statistical", "interactive", "accurate", "insightful", "large", "tidy"),
        ("analyze", "plot", "predict", "measure", "explore"),
    ),
    _Cluster(
        "music",
        ("guitar", "piano", "ableton", "synthesizer", "microphone"),
        ("songwriting", "mixing", "rhythm", "harmony", "recording"),
        ("melody", "chord", "beat", "song", "riff", "track", "album", "groove", "scale", "lyric",
         "loop", "vocal"),
        ("acoustic", "soulful", "upbeat", "mellow", "electric", "catchy", "ambient", "jazzy"),
        ("play", "compose", "record", "mix", "improvise"),
    ),
    _Cluster(
        "cooking",
        ("oven", "wok", "knife", "cast-iron", "mixer"),
        ("baking", "vegan", "fermentation", "pasta", "nutrition", "spices"),
        ("bread", "sourdough", "curry", "dumpling", "sauce", "pastry", "noodle", "salad", "soup",
         "recipe", "dough", "kimchi"),
        ("crispy", "hearty", "spicy", "fresh", "homemade", "rustic", "savory", "sweet"),
        ("bake", "cook", "ferment", "season", "knead"),
    ),
    _Cluster(
        "fitness",
        ("kettlebell", "yoga-mat", "dumbbell", "running-shoes", "resistance-band"),
        ("strength", "mobility", "running", "yoga", "nutrition"),
        ("workout", "squat", "stretch", "marathon", "routine", "posture", "core", "sprint", "plank",
         "balance", "endurance", "recovery"),
        ("intense", "gentle", "daily", "functional", "explosive", "steady", "strong", "mindful"),
        ("train", "stretch", "run", "lift", "breathe"),
    ),
    _Cluster(
        "woodworking",
        ("chisel", "lathe", "saw", "plane", "knife"),
        ("furniture", "carving", "joinery", "finishing", "restoration"),
        ("table", "stool", "bowl", "cabinet", "dovetail", "spoon", "shelf", "bench", "oak", "walnut",
         "grain", "drawer"),
        ("handmade", "sturdy", "rustic", "smooth", "oiled", "vintage", "solid", "carved"),
        ("carve", "sand", "join", "turn", "finish"),
    ),
    _Cluster(
        "gardening",
        ("trowel", "pruner", "greenhouse", "watering-can", "compost-bin"),
        ("vegetables", "composting", "succulents", "herbs", "permaculture"),
        ("tomato", "seedling", "soil", "bloom", "orchard", "herb", "hedge", "bulb", "harvest", "mulch",
         "fern", "planter"),
        ("organic", "lush", "seasonal", "hardy", "green", "shady", "edible", "wild"),
        ("grow", "plant", "prune", "harvest", "water"),
    ),
    _Cluster(
        "languages",
        ("flashcards", "notebook", "podcast", "dictionary", "anki"),
        ("spanish", "japanese", "grammar", "pronunciation", "conversation"),
        ("vocabulary", "phrase", "verb", "accent", "dialogue", "kanji", "sentence", "idiom", "story",
         "tense", "word", "conversation"),
        ("fluent", "everyday", "polite", "casual", "tricky", "essential", "spoken", "written"),
        ("speak", "practice", "memorize", "translate", "listen"),
    ),
)
_N_CLUSTERS = len(_CLUSTERS)

# (name, lat, lon, share of people living there)
_CITIES: tuple[tuple[str, float, float, float], ...] = (
    ("Berlin", 52.5200, 13.4050, 0.25),
    ("Lisbon", 38.7223, -9.1393, 0.15),
    ("New York", 40.7128, -74.0060, 0.25),
    ("São Paulo", -23.5505, -46.6333, 0.20),
    ("Tokyo", 35.6762, 139.6503, 0.15),
)
_CITY_SPREAD_KM = 4.0

_FIRST_NAMES = ("Ana", "Ben", "Chloe", "Daniel", "Emma", "Felipe", "Greta", "Hiro", "Isabel", "Jonas",
                "Kenji", "Lena", "Mateo", "Nina", "Oscar", "Paula", "Quinn", "Rafael", "Sofia", "Tomás",
                "Uma", "Victor", "Wen", "Yuki", "Zoe", "Lukas", "Mariana", "Noah", "Aiko", "Jamal")
_LAST_NAMES = ("Silva", "Müller", "Smith", "Tanaka", "Costa", "Schmidt", "Johnson", "Sato", "Santos",
               "Fischer", "Brown", "Suzuki", "Oliveira", "Weber", "Garcia", "Ito", "Pereira", "Wagner",
               "Miller", "Kato", "Ferreira", "Becker", "Davis", "Yamamoto", "Almeida")

_KINDS = ("project", "lesson", "listing")
_PROJECT, _LESSON, _LISTING = range(3)
_LEVEL_WORDS = ("beginner", "easy", "intermediate", "advanced", "expert")
_PROJECT_HEADS = ("project", "challenge", "build", "workshop")
_LISTING_HEADS = ("kit", "set", "bundle", "starter pack", "for sale")
_CLOSERS = {
    _PROJECT: ("Share your progress with the community.", "Templates and reference files included.",
               "Takes a weekend from start to finish."),
    _LESSON: ("Includes exercises and a short quiz.", "Video walkthrough with notes.",
              "Builds on the previous part of the course."),
    _LISTING: ("Pick up locally or ask about shipping.", "Barely used and in great condition.",
               "Bundle discount available."),
}
_CURATED_TAGS = ("featured", "staff-pick", "community")


# --------------------------------------------------------------------------------------
# Behaviour parameters
# --------------------------------------------------------------------------------------

_IN_TASTE_SHARE = 0.75  # events that target the user's own clusters; the rest is popularity noise
_ZIPF_EXPONENT = 1.1  # item popularity inside a cluster ~ 1 / rank^s
_ACTIVITY_SIGMA = 1.3  # log-normal user activity: a heavy tail of very active users
_RECENCY_GROWTH = 0.6  # event density grows by e^0.6 ~ 1.8x from the first to the last day
_BACKLOG_USER_SHARE, _BACKLOG_USER_DAYS = 0.45, 365  # users who joined before the history starts
_BACKLOG_ITEM_SHARE, _BACKLOG_ITEM_DAYS = 0.30, 180  # catalogue that predates the history
_TRENDING_SHARE = 0.005
_TRENDING_CREATED = 3 * _DAY  # trending items appear 3..2 days before now ...
_TRENDING_WINDOW = 2 * _DAY  # ... and get a burst in the last 2 days
_TRENDING_EVENT_PROB = 0.12  # chance that an event in the burst window goes to a trending item
_COURSE_EVENT_SHARE = 0.08  # events that come from users following a course step by step
_COURSE_EVENTS_PER_RUN = 6  # rough mean (view + complete per step), used to size the runs
_COURSE_CONTINUE = 0.7  # chance to go on to the next lesson after completing one
_COURSE_MAX_LEN = 8
_CHUNK_EVENTS = 200_000  # events simulated per vectorised step: bounds memory for any size
_MAX_REDRAWS = 100  # give-up limit for re-drawing events that hit an invalid (user, item) pair
_USER_REDRAW_AFTER = 3  # then also re-draw the user: e.g. a creator alone with their own items
# In-taste strength = min(1, floor + mixture weight): a user's minor cluster still counts as
# taste, just less than the main one.
_TASTE_FLOOR = 0.5

# Event-type funnels per item kind (rows: project, lesson, listing; columns: EVENT_TYPES).
# Apply only exists for listings (buy/enrol) and complete only for projects and lessons;
# most lesson completions come from course runs (in order), so the funnel keeps them rare.
#                          view click like save share apply complete rate dismiss
# Out-of-taste: ~5% positive, dismissals common. In-taste: ~30% positive, few dismissals.
_FUNNEL_OUT = np.array([[62, 14, 3.0, 1.2, 0.4, 0.0, 0.4, 2.0, 17],
                        [62, 14, 2.5, 1.5, 0.3, 0.0, 0.3, 2.0, 17],
                        [60, 16, 2.5, 1.5, 0.3, 0.7, 0.0, 1.0, 17]]) / 100
_FUNNEL_IN = np.array([[38, 20, 15, 9.0, 4.0, 0.0, 5.0, 6.0, 3],
                       [38, 20, 14, 12., 2.0, 0.0, 4.0, 6.0, 3],
                       [38, 22, 11, 12., 3.0, 6.0, 0.0, 5.0, 3]]) / 100
_VIEW, _RATE, _DISMISS, _COMPLETE = (EVENT_TYPES.index(t) for t in ("view", "rate", "dismiss", "complete"))
_INTENT_CODES = np.array([EVENT_TYPES.index(t) for t in sorted(POSITIVE_EVENT_TYPES)] + [_RATE])

# Where an event came from depends on what drew the item: columns are
# (no context, feed, search, explore); rows are the *_MODE values below.
_SOURCES = ("feed", "search", "explore")
_TRENDING_MODE, _TASTE_MODE, _GLOBAL_MODE, _COURSE_MODE = range(4)
_SOURCE_MIX = np.cumsum(np.array([[0.08, 0.35, 0.05, 0.52],
                                  [0.08, 0.50, 0.30, 0.12],
                                  [0.08, 0.45, 0.10, 0.37],
                                  [0.00, 1.00, 0.00, 0.00]]), axis=1)


# --------------------------------------------------------------------------------------
# Vectorised sampling helpers
# --------------------------------------------------------------------------------------


class _PrefixSampler:
    """Weighted draws among members created strictly before a time, optionally per group.

    Members are laid out sorted by (group, created) with one running cumulative weight, so
    "the members of group g that exist at time t" is a contiguous range found by binary
    search, and one uniform draw inside that range's cumulative weight picks a member. This
    keeps time-dependent eligibility fully vectorised, with no per-event Python work.
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

    def sample(self, rng: np.random.Generator, t: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
        """One member per query time (within its group); -1 where none exists yet."""
        g = np.zeros(len(t), np.int64) if groups is None else groups
        lo = self._group_lo[g]
        hi = np.searchsorted(self._keys, g * self._stride + np.maximum(t - self._offset, 0.0), side="left")
        found = hi > lo
        base = np.where(lo > 0, self._cum[lo - 1], 0.0)
        top = self._cum[np.maximum(hi - 1, 0)]
        pos = np.searchsorted(self._cum, base + rng.random(len(t)) * (top - base), side="right")
        pos = np.clip(pos, lo, np.maximum(hi - 1, lo))  # guards float rounding at range edges
        return np.where(found, self._members[np.minimum(pos, len(self._members) - 1)], -1)


def _categorical(rng: np.random.Generator, cumulative: np.ndarray) -> np.ndarray:
    """Row-wise draw from per-row cumulative probabilities (shape [n, k])."""
    return np.minimum((rng.random(len(cumulative))[:, None] > cumulative).sum(axis=1), cumulative.shape[1] - 1)


def _haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance; NaN where either side has no location."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def _scatter_around_cities(rng: np.random.Generator, city: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lat0 = np.array([c[1] for c in _CITIES])[city]
    lon0 = np.array([c[2] for c in _CITIES])[city]
    dlat = rng.normal(0.0, _CITY_SPREAD_KM / 111.0, len(city))
    dlon = rng.normal(0.0, _CITY_SPREAD_KM / 111.0, len(city)) / np.cos(np.radians(lat0))
    return np.round(lat0 + dlat, 5), np.round(lon0 + dlon, 5)


def _iso(seconds: np.ndarray) -> list[str]:
    """Epoch seconds -> ISO-8601 strings in UTC, e.g. '2025-10-03T12:00:00+00:00'."""
    return [f"{s}+00:00" for s in np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s").tolist()]


_T = TypeVar("_T")


def _pick(pool: Sequence[_T], x: float, skew: float = 1.0) -> _T:
    """Deterministic pick from a pre-drawn uniform x; skew > 1 favours the front of the pool."""
    return pool[min(int(len(pool) * x**skew), len(pool) - 1)]


def _pick_distinct(pool: Sequence[str], xs: Sequence[float], skew: float) -> list[str]:
    left = list(pool)
    return [left.pop(min(int(len(left) * x**skew), len(left) - 1)) for x in xs]


def _label(tag: str) -> str:
    return tag.split(":", 1)[-1].replace("-", " ")


def _join(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _a(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


# --------------------------------------------------------------------------------------
# The world: latent state shared by the catalogue and the event simulation
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _World:
    """Latent arrays, indexed by position: user uK is row K-1 and item iN is row N-1."""

    start: float  # epoch seconds where the event history begins
    now: float
    events: int
    event_seed: tuple[int, int]
    user_ids: list[str]
    item_ids: list[str]
    # users
    affinity: np.ndarray  # [users, clusters] taste mixture, rows sum to 1
    user_blocked: np.ndarray  # blocked cluster (declared preference) or -1
    user_lat: np.ndarray
    user_lon: np.ndarray
    user_max_km: np.ndarray  # NaN = no limit
    user_price_min: np.ndarray
    user_price_max: np.ndarray
    # items
    item_cluster: np.ndarray
    item_kind: np.ndarray
    item_created: np.ndarray
    item_expires: np.ndarray  # inf = never
    item_creator: np.ndarray  # user row
    item_lat: np.ndarray
    item_lon: np.ndarray
    item_price: np.ndarray
    # courses: lesson item rows in sequence order, -1 padded
    course_lessons: np.ndarray
    course_len: np.ndarray
    # who/what exists when, weighted
    users_by_activity: _PrefixSampler
    items_by_cluster: _PrefixSampler
    items_global: _PrefixSampler
    trending: _PrefixSampler
    courses_by_cluster: _PrefixSampler | None

    def user_row(self, user_id: str) -> int:
        row = int(user_id[1:]) - 1 if user_id[:1] == "u" and user_id[1:].isdigit() else -1
        if not 0 <= row < len(self.user_ids):
            raise KeyError(user_id)
        return row

    def violates_preferences(self, user: np.ndarray, item: np.ndarray) -> np.ndarray:
        """True where the item breaks the user's declared blocked tag, distance or price limits."""
        distance = _haversine_km(self.user_lat[user], self.user_lon[user], self.item_lat[item], self.item_lon[item])
        price = self.item_price[item]
        # NaN (no limit, no location, no price) compares False: no violation.
        return ((self.user_blocked[user] == self.item_cluster[item])
                | (distance > self.user_max_km[user])
                | (price > self.user_price_max[user])
                | (price < self.user_price_min[user]))


def _build_world(size: DemoSize, now: float) -> tuple[list[dict], list[dict], _World]:
    rng = np.random.default_rng([size.seed, _CATALOGUE_STREAM])
    start = now - size.days * _DAY
    n_users, n_items, k = size.users, size.items, _N_CLUSTERS
    city_share = np.array([c[3] for c in _CITIES])

    # --- users: when they joined, how active they are, what they like ---------------------
    n_backlog_users = max(1, round(_BACKLOG_USER_SHARE * n_users))
    u_created = np.concatenate([start - rng.uniform(0, _BACKLOG_USER_DAYS * _DAY, n_backlog_users),
                                rng.uniform(start, now - _DAY, n_users - n_backlog_users)])
    activity = rng.lognormal(0.0, _ACTIVITY_SIGMA, n_users)
    # Clusters differ in appeal; Gumbel top-k draws distinct clusters per user by that appeal.
    appeal = rng.dirichlet(np.full(k, 3.0))
    taste_order = np.argsort(-(np.log(appeal) + rng.gumbel(size=(n_users, k))), axis=1)
    n_taste = rng.choice([1, 2, 3], n_users, p=[0.4, 0.4, 0.2])
    mix = rng.gamma(2.0, size=(n_users, 3)) * (np.arange(3) < n_taste[:, None])
    mix = np.sort(mix, axis=1)[:, ::-1]
    mix /= mix.sum(axis=1, keepdims=True)
    affinity = np.zeros((n_users, k))
    affinity[np.arange(n_users)[:, None], taste_order[:, :3]] = mix
    disliked = taste_order[:, -1]  # the least appealing cluster for this user
    home_city = rng.choice(len(_CITIES), n_users, p=city_share)

    # --- creators: round-robin primary clusters so every cluster gets a catalogue ----------
    n_creators = min(n_users - 1, max(k, n_users // 10))
    creator_users = rng.choice(n_users, n_creators, replace=False)
    primary = (rng.integers(k) + np.arange(n_creators)) % k
    secondary = np.where(rng.random(n_creators) < 0.4, (primary + rng.integers(1, k, n_creators)) % k, primary)
    productivity = rng.lognormal(0.0, 1.0, n_creators)

    # --- items ----------------------------------------------------------------------------
    n_trending = max(1, round(_TRENDING_SHARE * n_items))
    n_backlog_items = max(1, round(_BACKLOG_ITEM_SHARE * n_items))
    created = np.concatenate([
        start - rng.uniform(0, _BACKLOG_ITEM_DAYS * _DAY, n_backlog_items),
        rng.uniform(start, now - _TRENDING_CREATED, n_items - n_backlog_items - n_trending),
        rng.uniform(now - _TRENDING_CREATED, now - _TRENDING_WINDOW, n_trending)])
    backlog = np.arange(n_items) < n_backlog_items
    trending = np.arange(n_items) >= n_items - n_trending
    creator_pick = rng.choice(n_creators, n_items, p=productivity / productivity.sum())
    r = rng.random(n_items)
    cluster = np.where(r < 0.80, primary[creator_pick],
                       np.where(r < 0.95, secondary[creator_pick], rng.integers(0, k, n_items)))
    creator = creator_users[creator_pick]
    kind = rng.choice(3, n_items, p=[0.35, 0.35, 0.30])
    kind[trending & (kind == _LESSON)] = _PROJECT  # a lone new lesson would be a course without parts
    level = rng.choice(np.arange(1, 6), n_items, p=[0.30, 0.30, 0.20, 0.13, 0.07])

    has_location = rng.random(n_items) < np.array([0.60, 0.55, 0.95])[kind]
    item_city = np.where(rng.random(n_items) < 0.85, home_city[creator],
                         rng.choice(len(_CITIES), n_items, p=city_share))
    lat, lon = _scatter_around_cities(rng, item_city)
    lat[~has_location] = lon[~has_location] = np.nan
    has_price = rng.random(n_items) < np.array([0.35, 0.60, 0.90])[kind]
    price = np.round(rng.lognormal(np.log([30.0, 15.0, 45.0])[kind], np.array([0.8, 0.6, 1.0])[kind]), 2)
    price[~has_price] = np.nan
    s = rng.random(n_items)
    status = np.where(s < 0.012, 2, np.where(s < 0.020, 1, 0))  # ~1.2% archived, ~0.8% hidden
    status[trending] = 0
    # Some listings sell out: no interactions after expires_at.
    expiring = (kind == _LISTING) & ~backlog & ~trending & (rng.random(n_items) < 0.4)
    expires = np.where(expiring, created + rng.uniform(14, 120, n_items) * _DAY, np.inf)

    # --- courses: a creator's lessons in a cluster, in publishing order, cut into courses ---
    course_of = np.full(n_items, -1)
    sequence = np.zeros(n_items, np.int64)
    lessons = np.flatnonzero(kind == _LESSON)
    lessons = lessons[np.lexsort((created[lessons], cluster[lessons], creator[lessons]))]
    courses: list[np.ndarray] = []
    group_start = 0
    for i in range(1, len(lessons) + 1):
        if i < len(lessons) and (creator[lessons[i]], cluster[lessons[i]]) == (
                creator[lessons[group_start]], cluster[lessons[group_start]]):
            continue
        group = lessons[group_start:i]
        pos = 0
        while pos < len(group):
            length = int(rng.integers(3, _COURSE_MAX_LEN + 1))
            courses.append(group[pos:pos + length])
            pos += length
        group_start = i
    for c, members in enumerate(courses):
        first, n = members[0], len(members)
        # Parts are published every few days (faster when the course started late, so the last
        # part still predates the trending window); a course shares its location and price.
        gap = min(rng.uniform(1, 7) * _DAY, (now - _TRENDING_CREATED - created[first]) / n)
        created[members] = created[first] + np.arange(n) * gap
        start_level = int(rng.integers(1, 4))
        level[members] = np.minimum(5, start_level + (np.arange(n) * 2) // max(n - 1, 1))
        lat[members], lon[members], price[members] = lat[first], lon[first], price[first]
        course_of[members] = c
        sequence[members] = np.arange(1, n + 1)

    # Zipf popularity by a random rank inside each cluster.
    by_cluster = np.lexsort((rng.random(n_items), cluster))
    sorted_cluster = cluster[by_cluster]
    rank = np.empty(n_items)
    rank[by_cluster] = np.arange(n_items) - np.searchsorted(sorted_cluster, sorted_cluster)
    popularity = (rank + 1.0) ** -_ZIPF_EXPONENT

    # Creators joined before their first item.
    first_item = np.full(n_users, np.inf)
    np.minimum.at(first_item, creator, created)
    u_created = np.minimum(u_created, first_item - rng.uniform(1, 30, n_users) * _DAY)

    # --- ids follow creation order (i1 is the oldest item, u1 the oldest user) -------------
    created, u_created, expires = np.floor(created), np.floor(u_created), np.floor(expires)
    i_order = np.argsort(created, kind="stable")
    u_order = np.argsort(u_created, kind="stable")
    u_rank = np.empty(n_users, np.int64)
    u_rank[u_order] = np.arange(n_users)
    i_rank = np.empty(n_items, np.int64)
    i_rank[i_order] = np.arange(n_items)
    (cluster, kind, level, created, expires, lat, lon, price, status, course_of, sequence, popularity,
     trending) = (a[i_order] for a in (cluster, kind, level, created, expires, lat, lon, price, status,
                                        course_of, sequence, popularity, trending))
    creator = u_rank[creator[i_order]]
    u_created, activity, affinity, disliked, home_city, taste_order = (
        a[u_order] for a in (u_created, activity, affinity, disliked, home_city, taste_order))
    courses = [i_rank[m] for m in courses]

    user_ids = [f"u{n}" for n in range(1, n_users + 1)]
    item_ids = [f"i{n}" for n in range(1, n_items + 1)]

    # --- users: locations and declared preferences, consistent with the latent taste -------
    u_lat, u_lon = _scatter_around_cities(rng, home_city)
    no_location = rng.random(n_users) >= 0.75
    u_lat[no_location] = u_lon[no_location] = np.nan
    declares = rng.random(n_users) < 0.30
    pr = rng.random((n_users, 8))
    blocked = np.where(declares & (pr[:, 0] < 0.5), disliked, -1)
    max_km = np.where(declares & ~no_location & (pr[:, 1] < 0.35),
                      np.array([10.0, 25.0, 50.0, 100.0])[(pr[:, 2] * 4).astype(int)], np.nan)
    price_max = np.where(declares & (pr[:, 3] < 0.25),
                         np.array([20.0, 50.0, 100.0, 250.0])[(pr[:, 4] * 4).astype(int)], np.nan)
    price_min = np.where(declares & (pr[:, 5] < 0.08), np.where(pr[:, 6] < 0.5, 5.0, 10.0), np.nan)

    users = _user_records(rng, user_ids, u_created, u_lat, u_lon, affinity, taste_order, declares, blocked,
                          max_km, price_min, price_max)
    items = _item_records(rng, item_ids, user_ids, cluster, kind, level, created, expires, creator, lat, lon,
                          price, status, course_of, sequence, len(courses))

    course_len = np.array([len(m) for m in courses], np.int64)
    course_lessons = np.full((len(courses), _COURSE_MAX_LEN), -1, np.int64)
    for c, members in enumerate(courses):
        course_lessons[c, :len(members)] = members
    first_lessons = course_lessons[:, 0]
    trending_rows = np.flatnonzero(trending)

    world = _World(
        start=start, now=now, events=size.events, event_seed=(size.seed, _EVENT_STREAM),
        user_ids=user_ids, item_ids=item_ids,
        affinity=affinity, user_blocked=blocked, user_lat=u_lat, user_lon=u_lon, user_max_km=max_km,
        user_price_min=price_min, user_price_max=price_max,
        item_cluster=cluster, item_kind=kind, item_created=created, item_expires=expires, item_creator=creator,
        item_lat=lat, item_lon=lon, item_price=price,
        course_lessons=course_lessons, course_len=course_len,
        users_by_activity=_PrefixSampler(u_created, activity, now),
        items_by_cluster=_PrefixSampler(created, popularity, now, cluster, k),
        items_global=_PrefixSampler(created, popularity, now),
        trending=_PrefixSampler(created[trending_rows], rng.lognormal(0.0, 0.3, len(trending_rows)), now,
                                ids=trending_rows),
        courses_by_cluster=(_PrefixSampler(created[first_lessons], popularity[first_lessons], now,
                                           cluster[first_lessons], k) if courses else None),
    )
    return items, users, world


def _user_records(rng: np.random.Generator, user_ids: list[str], created: np.ndarray, lat: np.ndarray,
                  lon: np.ndarray, affinity: np.ndarray, taste_order: np.ndarray, declares: np.ndarray,
                  blocked: np.ndarray, max_km: np.ndarray, price_min: np.ndarray,
                  price_max: np.ndarray) -> list[dict]:
    r = rng.random((len(user_ids), 8))
    created_iso = _iso(created)
    users: list[dict] = []
    for u, user_id in enumerate(user_ids):
        user: dict = {
            "id": user_id,
            "created_at": created_iso[u],
            "location": None if np.isnan(lat[u]) else {"lat": float(lat[u]), "lon": float(lon[u])},
            "attributes": {"name": f"{_pick(_FIRST_NAMES, r[u, 0])} {_pick(_LAST_NAMES, r[u, 1])}"},
        }
        if declares[u]:
            main, second = taste_order[u, 0], taste_order[u, 1]
            cl = _CLUSTERS[main]
            preferred = {cl.category: 1.0}
            if affinity[u, second] > 0:
                relative = float(affinity[u, second] / affinity[u, main])
                preferred[_CLUSTERS[second].category] = round(max(0.3, relative), 2)
            # A favourite tool, sometimes a favourite topic, of the main cluster.
            preferred[f"tool:{_pick(cl.tools, r[u, 2], 1.6)}"] = round(float(0.4 + 0.5 * r[u, 3]), 1)
            if r[u, 4] < 0.5:
                preferred[f"topic:{_pick(cl.topics, r[u, 5], 1.6)}"] = round(float(0.4 + 0.5 * r[u, 6]), 1)
            prefs: dict = {"preferred_tags": preferred,
                           "blocked_tags": [_CLUSTERS[blocked[u]].category] if blocked[u] >= 0 else []}
            if not np.isnan(max_km[u]):
                prefs["max_distance_km"] = float(max_km[u])
            if not np.isnan(price_min[u]):
                prefs["price_min"] = float(price_min[u])
            if not np.isnan(price_max[u]):
                prefs["price_max"] = float(price_max[u])
            user["preferences"] = prefs
        users.append(user)
    return users


def _item_records(rng: np.random.Generator, item_ids: list[str], user_ids: list[str], cluster: np.ndarray,
                  kind: np.ndarray, level: np.ndarray, created: np.ndarray, expires: np.ndarray,
                  creator: np.ndarray, lat: np.ndarray, lon: np.ndarray, price: np.ndarray, status: np.ndarray,
                  course_of: np.ndarray, sequence: np.ndarray, n_courses: int) -> list[dict]:
    # Pre-drawn uniforms keep the per-item loop free of RNG calls (and fast).
    r = rng.random((len(item_ids), 20))
    course_r = rng.random((n_courses, 5))
    created_iso = _iso(created)
    expires_iso = _iso(np.where(np.isfinite(expires), expires, 0))
    items: list[dict] = []
    for i, item_id in enumerate(item_ids):
        cl, kd, lv, x = _CLUSTERS[cluster[i]], int(kind[i]), int(level[i]), r[i]
        course = int(course_of[i])
        # Columns of x: 0-2 tools, 3-5 cross-over tool, 6-9 topics, 10-11 plain tag, 12-19 wording.
        # Lessons of one course share their tools (drawn from the course's own uniforms).
        tx = course_r[course] if course >= 0 else x
        tools = _pick_distinct(cl.tools, tx[1:2 + (tx[0] < 0.45)], 1.6)
        if course < 0 and x[3] < 0.08:  # cross-over noise: a tool from another cluster
            tools = list(dict.fromkeys([*tools[:-1], _pick(_pick(_CLUSTERS, x[4]).tools, x[5])]))
        topics = _pick_distinct(cl.topics, x[7:8 + (x[6] > 0.4) + (x[6] > 0.8)], 1.4)
        tags = [cl.category, *(f"tool:{t}" for t in tools), *(f"topic:{t}" for t in topics)]
        if x[10] < 0.15:
            tags.append("beginner" if lv == 1 else "advanced" if lv >= 4 else _pick(_CURATED_TAGS, x[11]))

        adjective, adjective2 = _pick(cl.adjectives, x[12]), _pick(cl.adjectives, x[13])
        noun, noun2, noun3 = _pick(cl.nouns, x[14]), _pick(cl.nouns, x[15]), _pick(cl.nouns, x[16])
        verb, tool_label = _pick(cl.verbs, x[17]), _label(tools[0])
        attributes: dict = {"kind": _KINDS[kd], "level": lv}
        if kd == _LESSON:
            course_title = (f"{_pick(cl.adjectives, tx[3]).capitalize()} {_pick(cl.nouns, tx[4])} "
                            f"with {tool_label.capitalize()}")
            title = f"{course_title}, part {sequence[i]}: {verb} the {noun}"
            attributes |= {"course": f"c{course + 1}", "sequence": int(sequence[i])}
        elif kd == _PROJECT:
            title = f"{adjective.capitalize()} {noun} {_pick(_PROJECT_HEADS, x[18])}"
        else:
            title = f"{adjective.capitalize()} {tool_label} {_pick(_LISTING_HEADS, x[18])}"
        description = (f"{_a(_LEVEL_WORDS[lv - 1]).capitalize()} {_KINDS[kd]} about "
                       f"{_join([_label(t) for t in topics])} for fans of {noun2} and {noun3}. "
                       f"You will {verb} {_a(adjective2)} {noun} with {_join([_label(t) for t in tools])}. "
                       f"{_pick(_CLOSERS[kd], x[19])}")
        items.append({
            "id": item_id,
            "title": title,
            "description": description,
            "tags": tags,
            "creator_id": user_ids[creator[i]],
            "created_at": created_iso[i],
            "location": None if np.isnan(lat[i]) else {"lat": float(lat[i]), "lon": float(lon[i])},
            "price": None if np.isnan(price[i]) else float(price[i]),
            "attributes": attributes,
            "status": ("active", "hidden", "archived")[status[i]],
            "expires_at": expires_iso[i] if np.isfinite(expires[i]) else None,
        })
    return items


# --------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _EventArrays:
    """A time-sorted run of events as parallel arrays (the compact form between steps)."""

    t: np.ndarray  # epoch seconds (float while simulating, whole seconds once emitted)
    user: np.ndarray
    item: np.ndarray
    type: np.ndarray
    value: np.ndarray  # NaN = no value
    mode: np.ndarray  # what drew the item (_*_MODE), decides the context source

    def __len__(self) -> int:
        return len(self.t)

    def select(self, index: np.ndarray | slice) -> _EventArrays:
        return _EventArrays(self.t[index], self.user[index], self.item[index], self.type[index],
                            self.value[index], self.mode[index])

    @staticmethod
    def empty() -> _EventArrays:
        return _EventArrays(*(np.empty(0, dtype) for dtype in (float, np.int64, np.int64, np.int64, float, np.int64)))

    @staticmethod
    def merge(parts: Sequence[_EventArrays]) -> _EventArrays:
        merged = _EventArrays(*(np.concatenate(cols) for cols in zip(*(
            (p.t, p.user, p.item, p.type, p.value, p.mode) for p in parts))))
        return merged.select(np.argsort(merged.t, kind="stable"))


class _EventSimulator:
    """Simulates the event history in time order, one bounded chunk at a time."""

    def __init__(self, world: _World) -> None:
        self._w = world
        self._rng = np.random.default_rng(list(world.event_seed))
        n_bins = round((world.now - world.start) / _HOUR)
        self._bin_start = world.start + np.arange(n_bins) * _HOUR
        # Density: slow growth towards now, times a daily rhythm peaking in the (UTC) evening.
        progress = np.arange(n_bins) / n_bins
        hour_of_day = (self._bin_start % _DAY) / _HOUR
        density = np.exp(_RECENCY_GROWTH * progress) * (1 + 0.35 * np.cos(2 * np.pi * (hour_of_day - 19) / 24))
        self._bin_p = density / density.sum()

    def chunks(self) -> Iterator[tuple[_EventArrays, np.ndarray]]:
        """Yields (events with times in whole seconds, per-event context source code or -1)."""
        rng, w = self._rng, self._w
        # Course runs span days, so they are simulated up front (a few % of all events, as
        # compact arrays) and merged into the chunks their times fall in.
        course = self._course_runs()
        counts = rng.multinomial(w.events - len(course), self._bin_p)
        cum = np.cumsum(counts)
        cuts = np.searchsorted(cum, np.arange(_CHUNK_EVENTS, cum[-1], _CHUNK_EVENTS), side="left") + 1
        edges = np.unique(np.concatenate([[0], cuts, [len(counts)]]))
        for b0, b1 in zip(edges[:-1], edges[1:]):
            t0 = self._bin_start[b0]
            t1 = self._bin_start[b1] if b1 < len(counts) else w.now
            n = int(counts[b0:b1].sum())
            t = np.sort(np.repeat(self._bin_start[b0:b1], counts[b0:b1]) + rng.random(n) * _HOUR)
            c0, c1 = np.searchsorted(course.t, [t0, t1], side="left")
            chunk = _EventArrays.merge([self._regular(t), course.select(slice(c0, c1))])
            chunk = _EventArrays(np.floor(chunk.t).astype(np.int64), chunk.user, chunk.item, chunk.type,
                                 chunk.value, chunk.mode)
            yield chunk, self._sources(chunk.mode)

    def _random_times(self, n: int) -> np.ndarray:
        return self._bin_start[self._rng.choice(len(self._bin_p), n, p=self._bin_p)] + self._rng.random(n) * _HOUR

    def _taste_cluster(self, user: np.ndarray) -> np.ndarray:
        return _categorical(self._rng, np.cumsum(self._w.affinity[user], axis=1))

    def _regular(self, t: np.ndarray) -> _EventArrays:
        rng, w = self._rng, self._w
        user = w.users_by_activity.sample(rng, t)  # always found: some users predate the history
        item, mode = self._pick_items(t, user)
        bad = self._invalid(t, user, item)
        attempt = 0
        while (redo := np.flatnonzero(bad)).size:
            if attempt == _MAX_REDRAWS:
                raise RuntimeError("cannot place events on valid (user, item) pairs; use a larger DemoSize")
            if attempt >= _USER_REDRAW_AFTER:
                user[redo] = w.users_by_activity.sample(rng, t[redo])
            item[redo], mode[redo] = self._pick_items(t[redo], user[redo])
            bad[redo] = self._invalid(t[redo], user[redo], item[redo])
            attempt += 1

        strength = w.affinity[user, w.item_cluster[item]]
        strength = np.where(strength > 0, np.minimum(1.0, _TASTE_FLOOR + strength), 0.0)
        kind = w.item_kind[item]
        funnel = _FUNNEL_OUT[kind] + strength[:, None] * (_FUNNEL_IN[kind] - _FUNNEL_OUT[kind])
        etype = _categorical(rng, np.cumsum(funnel, axis=1))
        # Users act on what they declared: no likes or ratings for blocked, too far or too pricey items.
        breaks = np.flatnonzero(np.isin(etype, _INTENT_CODES) & w.violates_preferences(user, item))
        etype[breaks] = np.where(rng.random(len(breaks)) < 0.6, _VIEW, _DISMISS)
        value = np.full(len(t), np.nan)
        rated = np.flatnonzero(etype == _RATE)
        value[rated] = np.clip(np.rint(1.8 + 2.6 * strength[rated] + rng.normal(0.0, 0.8, len(rated))), 1, 5)
        return _EventArrays(t, user, item, etype, value, mode)

    def _pick_items(self, t: np.ndarray, user: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rng, w = self._rng, self._w
        item = np.full(len(t), -1, np.int64)
        mode = np.full(len(t), _GLOBAL_MODE, np.int64)
        burst = np.flatnonzero((t >= w.now - _TRENDING_WINDOW) & (rng.random(len(t)) < _TRENDING_EVENT_PROB))
        item[burst] = w.trending.sample(rng, t[burst])
        mode[burst[item[burst] >= 0]] = _TRENDING_MODE
        taste = np.flatnonzero((item < 0) & (rng.random(len(t)) < _IN_TASTE_SHARE))
        item[taste] = w.items_by_cluster.sample(rng, t[taste], self._taste_cluster(user[taste]))
        mode[taste[item[taste] >= 0]] = _TASTE_MODE
        rest = np.flatnonzero(item < 0)  # popularity noise, or a taste cluster with nothing yet
        item[rest] = w.items_global.sample(rng, t[rest])  # always found: the backlog predates the history
        return item, mode

    def _invalid(self, t: np.ndarray, user: np.ndarray, item: np.ndarray) -> np.ndarray:
        return (self._w.item_creator[item] == user) | (t > self._w.item_expires[item])

    def _course_runs(self) -> _EventArrays:
        """Users working through a course: view then complete each part, in order, days apart."""
        rng, w = self._rng, self._w
        # Each run yields at most 2 * _COURSE_MAX_LEN events, so this stays well below the total.
        courses = w.courses_by_cluster
        n_runs = int(_COURSE_EVENT_SHARE * w.events / _COURSE_EVENTS_PER_RUN)
        if courses is None or n_runs == 0:
            return _EventArrays.empty()
        t = self._random_times(n_runs)
        user = w.users_by_activity.sample(rng, t)
        course = courses.sample(rng, t, self._taste_cluster(user))
        first = w.course_lessons[np.maximum(course, 0), 0]
        keep = (course >= 0) & (w.item_creator[first] != user) & ~w.violates_preferences(user, first)
        t, user, course = t[keep], user[keep], course[keep]
        steps = np.minimum(rng.geometric(1 - _COURSE_CONTINUE, len(t)), w.course_len[course])
        parts: list[_EventArrays] = []
        for k in range(_COURSE_MAX_LEN):
            lesson = w.course_lessons[course, k]
            if k:
                t = t + _HOUR + rng.exponential(1.5 * _DAY, len(t))
            viewed = np.maximum(t, w.item_created[lesson] + 600)  # a part can only be taken once published
            t = viewed + rng.uniform(5, 90, len(t)) * 60
            ok = np.flatnonzero((k < steps) & (t < w.now))
            for at, etype in ((viewed[ok], _VIEW), (t[ok], _COMPLETE)):
                parts.append(_EventArrays(at, user[ok], lesson[ok], np.full(len(ok), etype),
                                          np.full(len(ok), np.nan), np.full(len(ok), _COURSE_MODE)))
        return _EventArrays.merge(parts)

    def _sources(self, mode: np.ndarray) -> np.ndarray:
        """Context source code per event: -1 = no context, else an index into _SOURCES."""
        return _categorical(self._rng, _SOURCE_MIX[mode]) - 1


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


@dataclass
class Dataset:
    """A generated catalogue (items, users) and a lazily replayable event history."""

    items: list[dict]
    users: list[dict]
    now: datetime  # end of the simulated history (UTC); replay the events with this as "now"
    size: DemoSize
    _world: _World = field(repr=False, compare=False)

    def events(self, batch_size: int = 5000) -> Iterator[list[dict]]:
        """Yield all ``size.events`` events in non-decreasing ``at`` order, in batches.

        The history is simulated afresh (and identically) on every call, chunk by chunk, so
        memory stays bounded however many events there are. Batch size only changes the
        batching, never the events.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        w = self._world
        number = 0
        pending: list[dict] = []
        for chunk, source in _EventSimulator(w).chunks():
            pos = 0
            while pos < len(chunk):
                take = min(batch_size - len(pending), len(chunk) - pos)
                pending.extend(_event_dicts(w, chunk.select(slice(pos, pos + take)),
                                            source[pos:pos + take], number + 1))
                pos += take
                number += take
                if len(pending) == batch_size:
                    yield pending
                    pending = []
        if pending:
            yield pending

    def user_taste(self, user_id: str) -> list[str]:
        """The user's latent taste as category tags, strongest first (e.g. ["category:design"])."""
        row = self._world.affinity[self._world.user_row(user_id)]
        liked = np.flatnonzero(row > 0)
        return [_CLUSTERS[c].category for c in liked[np.argsort(-row[liked], kind="stable")]]


def _event_dicts(w: _World, ev: _EventArrays, source: np.ndarray, first_number: int) -> list[dict]:
    return [
        {"event_id": f"e{n:09d}", "user_id": w.user_ids[u], "item_id": w.item_ids[i], "type": EVENT_TYPES[k],
         "value": None if v != v else v, "at": at, "context": None if s < 0 else {"source": _SOURCES[s]}}
        for n, u, i, k, v, at, s in zip(range(first_number, first_number + len(ev)), ev.user.tolist(),
                                        ev.item.tolist(), ev.type.tolist(), ev.value.tolist(), _iso(ev.t),
                                        source.tolist())
    ]


def generate(size: DemoSize = DemoSize(), now: datetime | None = None) -> Dataset:
    """Generate a deterministic demo dataset whose history ends at ``now``.

    ``now`` defaults to the fixed :data:`DEFAULT_NOW` so output depends on ``size`` alone;
    pass the real current time to get a history that ends today. It must be timezone-aware.
    """
    now = DEFAULT_NOW if now is None else now
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(timezone.utc)
    items, users, world = _build_world(size, now.timestamp())
    return Dataset(items=items, users=users, now=now, size=size, _world=world)
