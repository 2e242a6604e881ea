"""The generic demo world: a hobby community with projects, lessons and listings.

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
* **Realism knobs** (:class:`~app.demo.world.DemoSize`): ``churn`` ends a share of users'
  activity at a random moment, ``long_tail`` makes a share of the catalogue nearly invisible,
  ``disliked`` sends a share of events to the user's least liked cluster (views that lead
  nowhere, dismissals, low ratings), and ``event_mix`` turns the funnel into explicit ratings
  only (half stars, no courses) or implicit feedback only. Their random draws come from a
  stream of their own, so the defaults give exactly the data this world always gave.

Everything is seeded: the same :class:`DemoSize` (and ``now``) gives byte-identical output.
Events are simulated lazily in time-ordered chunks, so millions of them never sit in
memory at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from app.demo.world import (
    DAY,
    EVENT_TYPES,
    HOUR,
    POSITIVE_EVENT_TYPES,
    ActiveUsers,
    Dataset,
    DemoSize,
    EventClock,
    PrefixSampler,
    article,
    categorical,
    cities,
    clusters,
    draw_pairs,
    haversine_km,
    iso,
    join,
    label,
    long_tail,
    pick,
    pick_distinct,
    scatter_around_cities,
    stop_times,
    vocabulary,
    zipf_by_group,
)

# Separate random streams per purpose, so changing how events are simulated never changes
# the catalogue generated for the same seed, and the realism knobs never change the demo.
_CATALOGUE_STREAM = 0
_EVENT_STREAM = 1
_REALISM_STREAM = 2

_CLUSTERS = clusters()
_N_CLUSTERS = len(_CLUSTERS)
_WORDING = vocabulary()["generic"]
_FIRST_NAMES, _LAST_NAMES = vocabulary()["first_names"], vocabulary()["last_names"]

_KINDS = ("project", "lesson", "listing")
_PROJECT, _LESSON, _LISTING = range(3)
_CLOSERS = tuple(_WORDING["closers"][kind] for kind in _KINDS)


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
_TRENDING_CREATED = 3 * DAY  # trending items appear 3..2 days before now ...
_TRENDING_WINDOW = 2 * DAY  # ... and get a burst in the last 2 days
_TRENDING_EVENT_PROB = 0.12  # chance that an event in the burst window goes to a trending item
_COURSE_EVENT_SHARE = 0.08  # events that come from users following a course step by step
_COURSE_EVENTS_PER_RUN = 6  # rough mean (view + complete per step), used to size the runs
_COURSE_CONTINUE = 0.7  # chance to go on to the next lesson after completing one
_COURSE_MAX_LEN = 8
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
# An item from the cluster the user likes least: a look, then mostly nothing or "not for me".
_FUNNEL_DISLIKED = np.array([55, 8, 0, 0, 0, 0, 0, 7, 30]) / 100
_VIEW, _CLICK, _RATE, _DISMISS, _COMPLETE = (EVENT_TYPES.index(t) for t in ("view", "click", "rate", "dismiss", "complete"))
_INTENT_CODES = np.array([EVENT_TYPES.index(t) for t in sorted(POSITIVE_EVENT_TYPES)] + [_RATE])
# Implicit feedback only: what a site records without asking (no ratings, no dismissals).
_IMPLICIT_TYPES = np.array([t not in ("rate", "dismiss") for t in EVENT_TYPES])

# Where an event came from depends on what drew the item: columns are
# (no context, feed, search, explore); rows are the *_MODE values below.
_SOURCES = ("feed", "search", "explore")
_TRENDING_MODE, _TASTE_MODE, _GLOBAL_MODE, _COURSE_MODE, _DISLIKED_MODE = range(5)
_SOURCE_MIX = np.cumsum(np.array([[0.08, 0.35, 0.05, 0.52],
                                  [0.08, 0.50, 0.30, 0.12],
                                  [0.08, 0.45, 0.10, 0.37],
                                  [0.00, 1.00, 0.00, 0.00],
                                  [0.08, 0.45, 0.10, 0.37]]), axis=1)


def _implicit(funnel: np.ndarray) -> np.ndarray:
    kept = funnel * _IMPLICIT_TYPES
    return kept / kept.sum(axis=-1, keepdims=True)


def _half_stars(rng: np.random.Generator, mean: np.ndarray) -> np.ndarray:
    """Ratings 0.5..5 in half stars around ``mean`` (MovieLens' scale)."""
    return np.clip(np.rint(2 * (mean + rng.normal(0.0, 0.85, len(mean)))) / 2, 0.5, 5.0)


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
    mix: str  # DemoSize.event_mix
    disliked_share: float
    user_ids: list[str]
    item_ids: list[str]
    # users
    affinity: np.ndarray  # [users, clusters] taste mixture, rows sum to 1
    user_disliked: np.ndarray  # the cluster each user likes least
    user_blocked: np.ndarray  # blocked cluster (declared preference) or -1
    user_stopped: np.ndarray  # when the user stops (churn); inf = never
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
    users_by_activity: ActiveUsers
    items_by_cluster: PrefixSampler
    items_global: PrefixSampler
    trending: PrefixSampler
    courses_by_cluster: PrefixSampler | None

    categories: tuple[str, ...] = tuple(c.category for c in _CLUSTERS)

    def simulation(self) -> _EventSimulator:
        return _EventSimulator(self)

    def violates_preferences(self, user: np.ndarray, item: np.ndarray) -> np.ndarray:
        """True where the item breaks the user's declared blocked tag, distance or price limits."""
        distance = haversine_km(self.user_lat[user], self.user_lon[user], self.item_lat[item], self.item_lon[item])
        price = self.item_price[item]
        # NaN (no limit, no location, no price) compares False: no violation.
        return ((self.user_blocked[user] == self.item_cluster[item])
                | (distance > self.user_max_km[user])
                | (price > self.user_price_max[user])
                | (price < self.user_price_min[user]))


def _build_world(size: DemoSize, now: float) -> tuple[list[dict], list[dict], _World]:
    rng = np.random.default_rng([size.seed, _CATALOGUE_STREAM])
    start = now - size.days * DAY
    n_users, n_items, k = size.users, size.items, _N_CLUSTERS
    places = cities()
    city_share = np.array([c.share for c in places])

    # --- users: when they joined, how active they are, what they like ---------------------
    n_backlog_users = max(1, round(_BACKLOG_USER_SHARE * n_users))
    u_created = np.concatenate([start - rng.uniform(0, _BACKLOG_USER_DAYS * DAY, n_backlog_users),
                                rng.uniform(start, now - DAY, n_users - n_backlog_users)])
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
    home_city = rng.choice(len(places), n_users, p=city_share)

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
        start - rng.uniform(0, _BACKLOG_ITEM_DAYS * DAY, n_backlog_items),
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
                         rng.choice(len(places), n_items, p=city_share))
    lat, lon = scatter_around_cities(rng, item_city)
    lat[~has_location] = lon[~has_location] = np.nan
    has_price = rng.random(n_items) < np.array([0.35, 0.60, 0.90])[kind]
    price = np.round(rng.lognormal(np.log([30.0, 15.0, 45.0])[kind], np.array([0.8, 0.6, 1.0])[kind]), 2)
    price[~has_price] = np.nan
    s = rng.random(n_items)
    status = np.where(s < 0.012, 2, np.where(s < 0.020, 1, 0))  # ~1.2% archived, ~0.8% hidden
    status[trending] = 0
    # Some listings sell out: no interactions after expires_at.
    expiring = (kind == _LISTING) & ~backlog & ~trending & (rng.random(n_items) < 0.4)
    expires = np.where(expiring, created + rng.uniform(14, 120, n_items) * DAY, np.inf)

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
        gap = min(rng.uniform(1, 7) * DAY, (now - _TRENDING_CREATED - created[first]) / n)
        created[members] = created[first] + np.arange(n) * gap
        start_level = int(rng.integers(1, 4))
        level[members] = np.minimum(5, start_level + (np.arange(n) * 2) // max(n - 1, 1))
        lat[members], lon[members], price[members] = lat[first], lon[first], price[first]
        course_of[members] = c
        sequence[members] = np.arange(1, n + 1)

    popularity = zipf_by_group(rng, cluster, _ZIPF_EXPONENT)

    # Creators joined before their first item.
    first_item = np.full(n_users, np.inf)
    np.minimum.at(first_item, creator, created)
    u_created = np.minimum(u_created, first_item - rng.uniform(1, 30, n_users) * DAY)

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
    u_lat, u_lon = scatter_around_cities(rng, home_city)
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

    # --- realism knobs, from their own stream ---------------------------------------------
    realism = np.random.default_rng([size.seed, _REALISM_STREAM])
    stopped = stop_times(realism, u_created, start, now, size.churn)
    popularity = long_tail(realism, popularity, size.long_tail)

    course_len = np.array([len(m) for m in courses], np.int64)
    course_lessons = np.full((len(courses), _COURSE_MAX_LEN), -1, np.int64)
    for c, members in enumerate(courses):
        course_lessons[c, :len(members)] = members
    first_lessons = course_lessons[:, 0]
    trending_rows = np.flatnonzero(trending)

    world = _World(
        start=start, now=now, events=size.events, event_seed=(size.seed, _EVENT_STREAM),
        mix=size.event_mix, disliked_share=size.disliked,
        user_ids=user_ids, item_ids=item_ids,
        affinity=affinity, user_disliked=disliked, user_blocked=blocked, user_stopped=stopped,
        user_lat=u_lat, user_lon=u_lon, user_max_km=max_km,
        user_price_min=price_min, user_price_max=price_max,
        item_cluster=cluster, item_kind=kind, item_created=created, item_expires=expires, item_creator=creator,
        item_lat=lat, item_lon=lon, item_price=price,
        course_lessons=course_lessons, course_len=course_len,
        users_by_activity=ActiveUsers(u_created, activity, stopped, now),
        items_by_cluster=PrefixSampler(created, popularity, now, cluster, k),
        items_global=PrefixSampler(created, popularity, now),
        trending=PrefixSampler(created[trending_rows], rng.lognormal(0.0, 0.3, len(trending_rows)), now,
                               ids=trending_rows),
        courses_by_cluster=(PrefixSampler(created[first_lessons], popularity[first_lessons], now,
                                          cluster[first_lessons], k) if courses else None),
    )
    return items, users, world


def _user_records(rng: np.random.Generator, user_ids: list[str], created: np.ndarray, lat: np.ndarray,
                  lon: np.ndarray, affinity: np.ndarray, taste_order: np.ndarray, declares: np.ndarray,
                  blocked: np.ndarray, max_km: np.ndarray, price_min: np.ndarray,
                  price_max: np.ndarray) -> list[dict]:
    r = rng.random((len(user_ids), 8))
    created_iso = iso(created)
    users: list[dict] = []
    for u, user_id in enumerate(user_ids):
        user: dict = {
            "id": user_id,
            "created_at": created_iso[u],
            "location": None if np.isnan(lat[u]) else {"lat": float(lat[u]), "lon": float(lon[u])},
            "attributes": {"name": f"{pick(_FIRST_NAMES, r[u, 0])} {pick(_LAST_NAMES, r[u, 1])}"},
        }
        if declares[u]:
            main, second = taste_order[u, 0], taste_order[u, 1]
            cl = _CLUSTERS[main]
            preferred = {cl.category: 1.0}
            if affinity[u, second] > 0:
                relative = float(affinity[u, second] / affinity[u, main])
                preferred[_CLUSTERS[second].category] = round(max(0.3, relative), 2)
            # A favourite tool, sometimes a favourite topic, of the main cluster.
            preferred[f"tool:{pick(cl.tools, r[u, 2], 1.6)}"] = round(float(0.4 + 0.5 * r[u, 3]), 1)
            if r[u, 4] < 0.5:
                preferred[f"topic:{pick(cl.topics, r[u, 5], 1.6)}"] = round(float(0.4 + 0.5 * r[u, 6]), 1)
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
    created_iso = iso(created)
    expires_iso = iso(np.where(np.isfinite(expires), expires, 0))
    level_words, curated = _WORDING["level_words"], _WORDING["curated_tags"]
    items: list[dict] = []
    for i, item_id in enumerate(item_ids):
        cl, kd, lv, x = _CLUSTERS[cluster[i]], int(kind[i]), int(level[i]), r[i]
        course = int(course_of[i])
        # Columns of x: 0-2 tools, 3-5 cross-over tool, 6-9 topics, 10-11 plain tag, 12-19 wording.
        # Lessons of one course share their tools (drawn from the course's own uniforms).
        tx = course_r[course] if course >= 0 else x
        tools = pick_distinct(cl.tools, tx[1:2 + (tx[0] < 0.45)], 1.6)
        if course < 0 and x[3] < 0.08:  # cross-over noise: a tool from another cluster
            tools = list(dict.fromkeys([*tools[:-1], pick(pick(_CLUSTERS, x[4]).tools, x[5])]))
        topics = pick_distinct(cl.topics, x[7:8 + (x[6] > 0.4) + (x[6] > 0.8)], 1.4)
        tags = [cl.category, *(f"tool:{t}" for t in tools), *(f"topic:{t}" for t in topics)]
        if x[10] < 0.15:
            tags.append("beginner" if lv == 1 else "advanced" if lv >= 4 else pick(curated, x[11]))

        adjective, adjective2 = pick(cl.adjectives, x[12]), pick(cl.adjectives, x[13])
        noun, noun2, noun3 = pick(cl.nouns, x[14]), pick(cl.nouns, x[15]), pick(cl.nouns, x[16])
        verb, tool_label = pick(cl.verbs, x[17]), label(tools[0])
        attributes: dict = {"kind": _KINDS[kd], "level": lv}
        if kd == _LESSON:
            course_title = (f"{pick(cl.adjectives, tx[3]).capitalize()} {pick(cl.nouns, tx[4])} "
                            f"with {tool_label.capitalize()}")
            title = f"{course_title}, part {sequence[i]}: {verb} the {noun}"
            attributes |= {"course": f"c{course + 1}", "sequence": int(sequence[i])}
        elif kd == _PROJECT:
            title = f"{adjective.capitalize()} {noun} {pick(_WORDING['project_heads'], x[18])}"
        else:
            title = f"{adjective.capitalize()} {tool_label} {pick(_WORDING['listing_heads'], x[18])}"
        description = (f"{article(level_words[lv - 1]).capitalize()} {_KINDS[kd]} about "
                       f"{join([label(t) for t in topics])} for fans of {noun2} and {noun3}. "
                       f"You will {verb} {article(adjective2)} {noun} with {join([label(t) for t in tools])}. "
                       f"{pick(_CLOSERS[kd], x[19])}")
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
    source: np.ndarray | None = None  # context source code per event once emitted; -1 = none

    def __len__(self) -> int:
        return len(self.t)

    def select(self, index: np.ndarray | slice) -> _EventArrays:
        return _EventArrays(self.t[index], self.user[index], self.item[index], self.type[index],
                            self.value[index], self.mode[index], None if self.source is None else self.source[index])

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
        self._clock = EventClock(world.start, world.now, growth=_RECENCY_GROWTH)
        if world.mix == "funnel":
            self._out, self._in, self._disliked = _FUNNEL_OUT, _FUNNEL_IN, _FUNNEL_DISLIKED
        else:
            self._out, self._in, self._disliked = (_implicit(f) for f in (_FUNNEL_OUT, _FUNNEL_IN, _FUNNEL_DISLIKED))

    def chunks(self) -> Iterator[_EventArrays]:
        """Time-ordered chunks with times in whole seconds and a context source per event."""
        rng, w = self._rng, self._w
        # Course runs span days, so they are simulated up front (a few % of all events, as
        # compact arrays) and merged into the chunks their times fall in.
        course = self._course_runs()
        for t0, t1, t in self._clock.chunks(rng, w.events - len(course)):
            c0, c1 = np.searchsorted(course.t, [t0, t1], side="left")
            chunk = _EventArrays.merge([self._regular(t), course.select(slice(c0, c1))])
            yield replace(chunk, t=np.floor(chunk.t).astype(np.int64), source=self._sources(chunk.mode))

    def records(self, chunk: _EventArrays, first_number: int) -> list[dict]:
        w = self._w
        return [
            {"event_id": f"e{n:09d}", "user_id": w.user_ids[u], "item_id": w.item_ids[i], "type": EVENT_TYPES[k],
             "value": None if v != v else v, "at": at, "context": None if s < 0 else {"source": _SOURCES[s]}}
            for n, u, i, k, v, at, s in zip(range(first_number, first_number + len(chunk)), chunk.user.tolist(),
                                            chunk.item.tolist(), chunk.type.tolist(), chunk.value.tolist(),
                                            iso(chunk.t), chunk.source.tolist())
        ]

    def _taste_cluster(self, user: np.ndarray) -> np.ndarray:
        return categorical(self._rng, np.cumsum(self._w.affinity[user], axis=1))

    def _regular(self, t: np.ndarray) -> _EventArrays:
        rng, w = self._rng, self._w
        user, item, mode = draw_pairs(rng, t, w.users_by_activity, self._pick_items, self._invalid)
        strength = w.affinity[user, w.item_cluster[item]]
        strength = np.where(strength > 0, np.minimum(1.0, _TASTE_FLOOR + strength), 0.0)
        disliked = mode == _DISLIKED_MODE
        value = np.full(len(t), np.nan)
        if w.mix == "ratings":
            # Every event is a rating; what the user thinks of the item sets its mean.
            etype = np.full(len(t), _RATE)
            mean = np.where(disliked | w.violates_preferences(user, item), 1.5, 2.6 + 1.4 * strength)
            value = _half_stars(rng, mean)
            return _EventArrays(t, user, item, etype, value, mode)
        kind = w.item_kind[item]
        funnel = self._out[kind] + strength[:, None] * (self._in[kind] - self._out[kind])
        funnel[disliked] = self._disliked
        etype = categorical(rng, np.cumsum(funnel, axis=1))
        # Users act on what they declared: no likes or ratings for blocked, too far or too pricey items.
        breaks = np.flatnonzero(np.isin(etype, _INTENT_CODES) & w.violates_preferences(user, item))
        if w.mix == "implicit":
            etype[breaks] = _VIEW
        else:
            etype[breaks] = np.where(rng.random(len(breaks)) < 0.6, _VIEW, _DISMISS)
        rated = np.flatnonzero(etype == _RATE)
        mean = np.where(disliked[rated], 0.0, 1.8 + 2.6 * strength[rated])
        value[rated] = np.clip(np.rint(mean + rng.normal(0.0, 0.8, len(rated))), 1, 5)
        return _EventArrays(t, user, item, etype, value, mode)

    def _pick_items(self, t: np.ndarray, user: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rng, w = self._rng, self._w
        item = np.full(len(t), -1, np.int64)
        mode = np.full(len(t), _GLOBAL_MODE, np.int64)
        burst = np.flatnonzero((t >= w.now - _TRENDING_WINDOW) & (rng.random(len(t)) < _TRENDING_EVENT_PROB))
        item[burst] = w.trending.sample(rng, t[burst])
        mode[burst[item[burst] >= 0]] = _TRENDING_MODE
        if w.disliked_share > 0:  # no draw at all otherwise: the demo's stream stays as it was
            dis = np.flatnonzero((item < 0) & (rng.random(len(t)) < w.disliked_share))
            item[dis] = w.items_by_cluster.sample(rng, t[dis], w.user_disliked[user[dis]])
            mode[dis[item[dis] >= 0]] = _DISLIKED_MODE
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
        if courses is None or n_runs == 0 or w.mix == "ratings":  # rating logs have no completions
            return _EventArrays.empty()
        t = self._clock.random_times(rng, n_runs)
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
                t = t + HOUR + rng.exponential(1.5 * DAY, len(t))
            viewed = np.maximum(t, w.item_created[lesson] + 600)  # a part can only be taken once published
            t = viewed + rng.uniform(5, 90, len(t)) * 60
            # A user who stopped using the product takes no further parts.
            ok = np.flatnonzero((k < steps) & (t < w.now) & (t < w.user_stopped[user]))
            for at, etype in ((viewed[ok], _VIEW), (t[ok], _COMPLETE)):
                parts.append(_EventArrays(at, user[ok], lesson[ok], np.full(len(ok), etype),
                                          np.full(len(ok), np.nan), np.full(len(ok), _COURSE_MODE)))
        return _EventArrays.merge(parts)

    def _sources(self, mode: np.ndarray) -> np.ndarray:
        """Context source code per event: -1 = no context, else an index into _SOURCES."""
        return categorical(self._rng, _SOURCE_MIX[mode]) - 1


def generate(size: DemoSize, now: datetime) -> Dataset:
    """The generic world for ``size``, its history ending at ``now`` (UTC)."""
    items, users, world = _build_world(size, now.timestamp())
    return Dataset(items=items, users=users, now=now, size=size, _world=world)
