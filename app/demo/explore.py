"""The explore world: members publish projects and browse an explore page of them.

* **Members** (``member1`` …, in joining order) like one to three of the ten hobby clusters
  and have a skill level. About one in eight is a **creator** who publishes projects in their
  own clusters, at a rate of their own, while they are around; creators differ in appeal.
* **Projects** (``project1`` …, in publishing order) carry typed tags: one ``category:``,
  one to three ``tool:`` and ``topic:`` tags of their cluster and their ``level:`` (beginner,
  intermediate, advanced, as ``attributes.skill_level``); ~3 % are private (``hidden``)
  and ~1.5 % ``archived``, and nobody but the creator sees those. Popularity is Zipf-like inside
  a cluster, times the creator's appeal.
* **Follows**: members follow creators they like (appealing ones and those of their clusters
  more), mostly soon after joining; some unfollow later. Following changes behaviour: a good
  share of a follower's visits go to the newest projects of the creators they follow, and they
  like those far more often. Follows are ``Dataset.follows`` (``{user_id, creator_id,
  followed_at, unfollowed_at}``), which the loader sends to ``rec.follow`` and ``rec.unfollow``.
* **Onboarding quiz**: most members who join during the history answer it right after joining,
  with the clusters they like, a tool of their main cluster and their level
  (``Dataset.onboarding``; the loader matches the words to the explore page's questionnaire,
  ``rec.onboarding_questions('explore')``).
* **Events**: an engagement is a ``view`` (its ``value`` is the seconds spent), then maybe a
  ``like`` (or a ``dismiss`` for what does not fit), a ``save`` and a ``share``. The explore
  page's tab is the context ``source``: ``for_you``, ``new``, ``trending``, ``following``,
  ``search``, ``profile``.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from app.demo.world import (
    DAY,
    DISMISS,
    LIKE,
    SAVE,
    SHARE,
    VIEW,
    ActiveUsers,
    AppWorld,
    Dataset,
    DemoSize,
    EventClock,
    People,
    PrefixSampler,
    Steps,
    article,
    categorical,
    clusters,
    iso,
    join,
    label,
    long_tail,
    people,
    pick,
    pick_distinct,
    stop_times,
    taste_strength,
    vocabulary,
    zipf_by_group,
)

_CLUSTERS = clusters()
_WORDS = vocabulary()["explore"]
_FIRST_NAMES, _LAST_NAMES = vocabulary()["first_names"], vocabulary()["last_names"]
_LEVELS = ("beginner", "intermediate", "advanced")

_CREATOR_SHARE = 0.12
_PRIVATE, _ARCHIVED = 0.03, 0.015
_FOLLOW_MODE, _NEW_MODE, _TASTE_MODE, _DISLIKED_MODE, _POPULAR_MODE = range(5)
_FOLLOW_SHARE = 0.22  # of a follower's visits: the newest projects of someone they follow
_NEW_SHARE = 0.10  # the "New" tab: the newest projects of a liked cluster
_TASTE_SHARE = 0.62  # of what is left after follows, new and dislikes
_UNFOLLOW_SHARE = 0.08
_QUIZ_SHARE = 0.55  # of members who join during the history

# Context source per mode: columns follow _WORDS["sources"]
# (for_you, new, trending, following, search, profile).
_SOURCE_MIX = np.cumsum(np.array([[0.00, 0.10, 0.00, 0.75, 0.00, 0.15],
                                  [0.00, 1.00, 0.00, 0.00, 0.00, 0.00],
                                  [0.60, 0.00, 0.00, 0.00, 0.25, 0.15],
                                  [0.65, 0.00, 0.15, 0.00, 0.20, 0.00],
                                  [0.45, 0.00, 0.45, 0.00, 0.10, 0.00]]), axis=1)


class _Explore(AppWorld):
    prefix = "explore-"
    sources = tuple(_WORDS["sources"])
    categories = tuple(c.category for c in _CLUSTERS)

    def __init__(self, size: DemoSize, now: float) -> None:
        rng = np.random.default_rng([size.seed, 0])
        self.seed, self.events, self.now, self.disliked_share = size.seed, size.events, now, size.disliked
        self.start = start = now - size.days * DAY
        self.clock = EventClock(start, now)
        k = len(_CLUSTERS)
        n_users, n_items = size.users, size.items

        # --- members ------------------------------------------------------------------------
        folk = people(rng, n_users, k, start, now, located=0.5)
        self.affinity = folk.affinity
        self.user_disliked = folk.disliked
        self.user_stopped = stop_times(rng, folk.created, start, now, size.churn)
        self.user_level = rng.choice(3, n_users, p=[0.45, 0.40, 0.15])
        self.user_ids = [f"member{n}" for n in range(1, n_users + 1)]

        # --- creators: publish in their own clusters while they are around ------------------
        n_creators = min(n_users - 1, max(10, round(_CREATOR_SHARE * n_users)))
        creators = np.sort(rng.choice(n_users, n_creators, replace=False,
                                      p=np.sqrt(folk.activity) / np.sqrt(folk.activity).sum()))
        creators[0] = 0  # the earliest member (who never stops) publishes, so the page is never empty
        productivity = rng.lognormal(0.0, 1.0, n_creators)
        appeal = rng.lognormal(0.0, 0.5, n_creators)
        primary = folk.taste_order[creators, 0]
        secondary = np.where(folk.affinity[creators, folk.taste_order[creators, 1]] > 0,
                             folk.taste_order[creators, 1], primary)

        # --- projects -----------------------------------------------------------------------
        by = rng.choice(n_creators, n_items, p=productivity / productivity.sum())
        r = rng.random(n_items)
        cluster = np.where(r < 0.80, primary[by], np.where(r < 0.95, secondary[by], rng.integers(0, k, n_items)))
        joined = folk.created[creators[by]]
        # Published while the creator is around; a quarter of the work of creators who were
        # there before the history began predates it (the backlog); the first project does.
        end = np.minimum(self.user_stopped[creators[by]], now) - 60
        end = np.where((rng.random(n_items) < 0.25) & (joined < start - DAY), start, end)
        by[0], joined[0], end[0] = 0, folk.created[0], start
        lo = joined + np.minimum(DAY, (end - joined) / 2)
        created = np.floor(np.maximum(lo + rng.random(n_items) * (end - lo), joined))
        order = np.argsort(created, kind="stable")
        by, cluster, created = by[order], cluster[order], created[order]
        self.item_ids = [f"project{n}" for n in range(1, n_items + 1)]
        self.item_cluster = cluster
        self.item_creator = creators[by]
        self.item_created = created
        self.item_expires = np.full(n_items, np.inf)
        s = rng.random(n_items)
        status = np.where(s < _ARCHIVED, 2, np.where(s < _ARCHIVED + _PRIVATE, 1, 0))
        status[0] = 0
        self.item_level = np.clip(self.user_level[self.item_creator] + rng.choice([-1, 0, 0, 1], n_items), 0, 2)
        popularity = zipf_by_group(rng, cluster, 1.1) * appeal[by]
        popularity = long_tail(rng, popularity, size.long_tail) * (status == 0)  # nobody sees private work

        self.active = ActiveUsers(folk.created, folk.activity, self.user_stopped, now)
        self.by_cluster = PrefixSampler(created, popularity, now, cluster, k)
        self.popular = PrefixSampler(created, popularity, now)
        self.newest = PrefixSampler(created, np.ones(n_items), now, cluster, k)
        self.by_creator = PrefixSampler(created, np.ones(n_items), now, self.item_creator, n_users)
        self.item_live = status == 0

        # --- follows ------------------------------------------------------------------------
        self.follows = self._follows(rng, folk, creators, appeal, primary)

        self.items = _item_records(rng, self.item_ids, self.user_ids, cluster, self.item_creator, created, status,
                                   self.item_level)
        self.users, self.onboarding = _user_records(rng, self.user_ids, folk, self.user_level, start)

    def _follows(self, rng: np.random.Generator, folk: People, creators: np.ndarray, appeal: np.ndarray,
                 primary: np.ndarray) -> dict[str, np.ndarray]:
        n_users = len(folk)
        count = np.minimum(rng.poisson(1.0 + 3.0 * np.minimum(folk.activity, 8.0)), len(creators) - 1)
        f_user, f_creator = [], []
        for u in range(n_users):
            if count[u] == 0:
                continue
            w = appeal * (folk.affinity[u, primary] + 0.03)
            w[creators == u] = 0.0
            chosen = rng.choice(len(creators), count[u], replace=False, p=w / w.sum())
            f_user.append(np.full(count[u], u))
            f_creator.append(creators[chosen])
        user = np.concatenate(f_user) if f_user else np.empty(0, np.int64)
        creator = np.concatenate(f_creator) if f_creator else np.empty(0, np.int64)
        # Mostly soon after both are around; some unfollow later.
        lo = np.maximum(folk.created[user], folk.created[creator])
        hi = np.minimum(self.user_stopped[user], self.now) - 60
        keep = hi > lo  # a member who left before the creator arrived follows nobody
        user, creator, lo, hi = user[keep], creator[keep], lo[keep], hi[keep]
        at = np.floor(lo + (hi - lo) * rng.random(len(user)) ** 2)
        until = np.where(rng.random(len(user)) < _UNFOLLOW_SHARE,
                         np.floor(at + (hi - at) * rng.random(len(user))), np.inf)
        first = np.searchsorted(user, np.arange(n_users))
        return {"user": user, "creator": creator, "at": at, "until": until, "first": first,
                "count": np.bincount(user, minlength=n_users)}

    # --- behaviour ----------------------------------------------------------------------------

    def pick_items(self, rng: np.random.Generator, t: np.ndarray, user: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(t)
        item = np.full(n, -1, np.int64)
        mode = np.full(n, _POPULAR_MODE, np.int64)
        f = self.follows
        r = rng.random(n)
        # A followed creator's newest work (the follow must be on at that moment).
        fw = np.flatnonzero((r < _FOLLOW_SHARE) & (f["count"][user] > 0))
        if fw.size:
            k = f["first"][user[fw]] + (rng.random(fw.size) * f["count"][user[fw]]).astype(np.int64)
            on = (f["at"][k] < t[fw]) & (t[fw] < f["until"][k])
            fw, k = fw[on], k[on]
            item[fw] = self.by_creator.latest(rng, t[fw], f["creator"][k], 0.5)
            mode[fw[item[fw] >= 0]] = _FOLLOW_MODE
        new = np.flatnonzero((item < 0) & (r >= _FOLLOW_SHARE) & (r < _FOLLOW_SHARE + _NEW_SHARE))
        item[new] = self.newest.latest(rng, t[new], self._taste_cluster(rng, user[new]), 0.15)
        mode[new[item[new] >= 0]] = _NEW_MODE
        u2 = rng.random(n)
        dis = np.flatnonzero((item < 0) & (u2 < self.disliked_share))
        item[dis] = self.by_cluster.sample(rng, t[dis], self.user_disliked[user[dis]])
        mode[dis[item[dis] >= 0]] = _DISLIKED_MODE
        taste = np.flatnonzero((item < 0) & (rng.random(n) < _TASTE_SHARE))
        item[taste] = self.by_cluster.sample(rng, t[taste], self._taste_cluster(rng, user[taste]))
        mode[taste[item[taste] >= 0]] = _TASTE_MODE
        rest = np.flatnonzero(item < 0)
        item[rest] = self.popular.sample(rng, t[rest])
        mode[rest] = _POPULAR_MODE
        return item, mode

    def _taste_cluster(self, rng: np.random.Generator, user: np.ndarray) -> np.ndarray:
        return categorical(rng, np.cumsum(self.affinity[user], axis=1))

    def invalid(self, t: np.ndarray, user: np.ndarray, item: np.ndarray) -> np.ndarray:
        # Nobody engages with their own projects; private and archived ones are not shown.
        bad = item < 0
        ok = ~bad
        bad[ok] = (self.item_creator[item[ok]] == user[ok]) | ~self.item_live[item[ok]]
        return bad

    def engage(self, rng: np.random.Generator, t: np.ndarray, user: np.ndarray, item: np.ndarray,
               mode: np.ndarray) -> tuple[Steps, np.ndarray]:
        n = len(t)
        s = taste_strength(self.affinity, user, self.item_cluster[item])
        disliked = mode == _DISLIKED_MODE
        followed = mode == _FOLLOW_MODE
        # Too advanced for the member takes the fun out of it.
        gap = np.maximum(self.item_level[item] - self.user_level[user], 0)
        steps = Steps(n, 4)
        steps.type[:, 0] = VIEW
        steps.value[:, 0] = np.round(rng.lognormal(np.log(6 + 50 * s + 20 * followed), 0.7), 1)
        p_like = np.clip(0.02 + 0.24 * s + 0.22 * followed - 0.08 * gap, 0.0, 0.9)
        p_like[disliked] = 0.0
        liked = rng.random(n) < p_like
        dismissed = ~liked & (rng.random(n) < 0.08 * (1 - s) + 0.35 * disliked)
        steps.type[liked, 1] = LIKE
        steps.type[dismissed, 1] = DISMISS
        steps.gap[:, 1] = steps.value[:, 0]
        saved = rng.random(n) < np.where(liked, 0.30, 0.02 * s)
        steps.type[saved & ~dismissed, 2] = SAVE
        steps.gap[:, 2] = rng.uniform(2, 120, n)
        steps.type[liked & (rng.random(n) < 0.08 + 0.1 * followed), 3] = SHARE
        steps.gap[:, 3] = rng.uniform(5, 600, n)
        return steps, categorical(rng, _SOURCE_MIX[mode])


def _item_records(rng: np.random.Generator, item_ids: list[str], user_ids: list[str], cluster: np.ndarray,
                  creator: np.ndarray, created: np.ndarray, status: np.ndarray, level: np.ndarray) -> list[dict]:
    r = rng.random((len(item_ids), 16))
    created_iso = iso(created)
    items = []
    for i, item_id in enumerate(item_ids):
        cl, x = _CLUSTERS[cluster[i]], r[i]
        tools = pick_distinct(cl.tools, x[1:2 + (x[0] < 0.5) + (x[0] < 0.15)], 1.6)
        topics = pick_distinct(cl.topics, x[4:5 + (x[3] < 0.5) + (x[3] < 0.15)], 1.4)
        head = pick(_WORDS["project_heads"], x[7])
        adjective, noun, noun2 = pick(cl.adjectives, x[8]), pick(cl.nouns, x[9]), pick(cl.nouns, x[10])
        verb = pick(cl.verbs, x[11])
        items.append({
            "id": item_id,
            "title": f"{adjective.capitalize()} {noun} {head}",
            "description": (f"{article(pick(cl.adjectives, x[12])).capitalize()} {noun2} {head} made with "
                            f"{join([label(t) for t in tools])}: I wanted to {verb} {article(adjective)} {noun} "
                            f"around {join([label(t) for t in topics])}. {pick(_WORDS['closers'], x[13])}"),
            "tags": [cl.category, *(f"tool:{t}" for t in tools), *(f"topic:{t}" for t in topics),
                     f"level:{_LEVELS[level[i]]}"],
            "creator_id": user_ids[creator[i]],
            "created_at": created_iso[i],
            "status": ("active", "hidden", "archived")[status[i]],
            "attributes": {"kind": "project", "skill_level": _LEVELS[level[i]], "level": int(level[i]) + 1,
                           "images": int(1 + x[14] * 8)},
        })
    return items


def _user_records(rng: np.random.Generator, user_ids: list[str], folk: People, level: np.ndarray,
                  start: float) -> tuple[list[dict], list[dict]]:
    n = len(user_ids)
    r = rng.random((n, 10))
    created_iso = iso(folk.created)
    quiz_iso = iso(folk.created + np.floor(60 + r[:, 9] * 1200))
    users, onboarding = [], []
    for u, user_id in enumerate(user_ids):
        main = _CLUSTERS[folk.taste_order[u, 0]]
        user: dict = {
            "id": user_id,
            "created_at": created_iso[u],
            "location": None if np.isnan(folk.lat[u]) else {"lat": float(folk.lat[u]), "lon": float(folk.lon[u])},
            "attributes": {"name": f"{pick(_FIRST_NAMES, r[u, 0])} {pick(_LAST_NAMES, r[u, 1])}",
                           "skill_level": _LEVELS[level[u]]},
        }
        # A few state what they like and what they never want to see, in their profile settings.
        prefs: dict = {}
        if r[u, 2] < 0.12:
            prefs["preferred_tags"] = {main.category: 1.0, f"tool:{pick(main.tools, r[u, 3], 1.6)}": 0.8}
        if r[u, 4] < 0.08:
            prefs["blocked_tags"] = [_CLUSTERS[folk.disliked[u]].category]
        if prefs:
            user["preferences"] = prefs
        users.append(user)
        if folk.created[u] >= start and r[u, 5] < _QUIZ_SHARE:
            liked = [c for c in folk.taste_order[u, :3] if folk.affinity[u, c] > 0][:2]
            picks = [_CLUSTERS[c].name for c in liked]
            picks += pick_distinct(main.tools, [r[u, 6], r[u, 7]][:1 + (r[u, 8] < 0.4)], 1.6)
            picks += list(_WORDS["skill_levels"][level[u]])
            onboarding.append({"user_id": user_id, "at": quiz_iso[u], "picks": picks})
    return users, onboarding


def generate(size: DemoSize, now: datetime) -> Dataset:
    """The explore world for ``size``, its history ending at ``now`` (UTC)."""
    world = _Explore(size, now.timestamp())
    f = world.follows
    follows_iso, until_iso = iso(f["at"]), iso(np.where(np.isfinite(f["until"]), f["until"], 0))
    follows = [{"user_id": world.user_ids[u], "creator_id": world.user_ids[c], "followed_at": at,
                "unfollowed_at": until_iso[n] if np.isfinite(f["until"][n]) else None}
               for n, (u, c, at) in enumerate(zip(f["user"].tolist(), f["creator"].tolist(), follows_iso))]
    return Dataset(items=world.items, users=world.users, now=now, size=size, _world=world, app="explore",
                   onboarding=world.onboarding, questionnaire="explore", follows=follows)
