"""The profiles world: domain-agnostic personalisation from explicit and implicit feedback.

* **Content** (``content1`` …, in publishing order): articles, videos, podcasts and products
  about the ten hobby clusters, by publishers (``publisher1`` …: magazines, channels, shops)
  of different quality. Tags ``category:``, ``tool:``, ``topic:``, ``format:``; articles, videos
  and podcasts have ``attributes.length_minutes``, products a ``price``.
* **Visitors** (``visitor1`` …) have interests (one to three clusters) and an age band; about
  half declare interests (preferred tags with weights, sometimes a blocked category). Consent
  per purpose (``Dataset.consents``) is loaded with ``rec.upsert_consents``.
* **Events**: an engagement starts with a ``click`` from a list (context ``source`` and the
  ``position`` it was shown at), then a ``view`` of the page whose ``value`` is the dwell time
  in seconds (under 5 s is a bounce) with ``context.scroll_depth`` (0..1); then explicit
  feedback, when there is any: a thumbs up (``like``) or down (``dismiss``), a star ``rate``
  (1..5, mostly products and videos), a ``save`` or a ``share``. Dwell, scroll and feedback all
  follow how well the content fits the visitor's interests and how good the publisher is.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from app.demo.world import (
    CLICK,
    DAY,
    DISMISS,
    LIKE,
    RATE,
    SAVE,
    SHARE,
    VIEW,
    ActiveUsers,
    AppWorld,
    Dataset,
    DemoSize,
    EventClock,
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
_WORDS = vocabulary()["profiles"]
_FIRST_NAMES, _LAST_NAMES = vocabulary()["first_names"], vocabulary()["last_names"]
_FORMATS = _WORDS["formats"]
_ARTICLE, _VIDEO, _PODCAST, _PRODUCT = range(len(_FORMATS))
_SOURCES = tuple(_WORDS["sources"])
_TASTE_MODE, _DISLIKED_MODE, _POPULAR_MODE = range(3)
_TASTE_SHARE = 0.70
_PUBLISHER_SHARE = 0.06
_DECLARE_SHARE = 0.55
# Context source per mode; columns follow _WORDS["sources"] (home, search, category, newsletter, related).
_SOURCE_MIX = np.cumsum(np.array([[0.35, 0.20, 0.20, 0.10, 0.15],
                                  [0.60, 0.10, 0.10, 0.10, 0.10],
                                  [0.55, 0.10, 0.05, 0.20, 0.10]]), axis=1)


class _Profiles(AppWorld):
    prefix = "profiles-"
    sources = _SOURCES
    integer_context = frozenset({"position"})
    categories = tuple(c.category for c in _CLUSTERS)

    def __init__(self, size: DemoSize, now: float) -> None:
        rng = np.random.default_rng([size.seed, 0])
        self.seed, self.events, self.now, self.disliked_share = size.seed, size.events, now, size.disliked
        self.start = start = now - size.days * DAY
        self.clock = EventClock(start, now, peak_hour=20)
        k = len(_CLUSTERS)
        n_publishers = max(5, min(round(_PUBLISHER_SHARE * size.users), size.items // 5))
        n_visitors = size.users - n_publishers
        n_items = size.items

        folk = people(rng, n_visitors, k, start, now, located=0.6)
        self.folk = folk
        self.user_stopped = np.concatenate([stop_times(rng, folk.created, start, now, size.churn),
                                            np.full(n_publishers, np.inf)])
        self.affinity = np.concatenate([folk.affinity, np.zeros((n_publishers, k))])
        self.active = ActiveUsers(folk.created, folk.activity, self.user_stopped, now)
        self.user_ids = ([f"visitor{n}" for n in range(1, n_visitors + 1)]
                         + [f"publisher{n}" for n in range(1, n_publishers + 1)])

        # --- publishers and their content ---------------------------------------------------
        p_cluster = rng.integers(0, k, (n_publishers, 2))
        p_format = rng.choice(len(_FORMATS), n_publishers, p=[0.40, 0.25, 0.15, 0.20])
        p_quality = rng.lognormal(0.0, 0.35, n_publishers)
        productivity = rng.lognormal(0.0, 1.0, n_publishers)
        by = rng.choice(n_publishers, n_items, p=productivity / productivity.sum())
        cluster = p_cluster[by, (rng.random(n_items) < 0.3).astype(int)]
        fmt = np.where(rng.random(n_items) < 0.8, p_format[by], rng.integers(0, len(_FORMATS), n_items))
        created = np.where(rng.random(n_items) < 0.3, start - rng.uniform(0, 365, n_items) * DAY,
                           self.clock.random_times(rng, n_items))
        created[0] = start - DAY  # something to read from the first moment
        created = np.floor(np.minimum(created, now - 600))
        order = np.argsort(created, kind="stable")
        by, cluster, fmt, created = by[order], cluster[order], fmt[order], created[order]
        self.item_cluster, self.item_format, self.item_created = cluster, fmt, created
        self.item_quality = p_quality[by]
        self.item_expires = np.full(n_items, np.inf)
        self.item_ids = [f"content{n}" for n in range(1, n_items + 1)]
        popularity = long_tail(rng, zipf_by_group(rng, cluster, 1.0) * self.item_quality, size.long_tail)
        self.by_cluster = PrefixSampler(created, popularity, now, cluster, k)
        self.popular = PrefixSampler(created, popularity, now)

        self.items = self._item_records(rng, by, p_quality)
        self.users, self.consents = self._user_records(rng, p_cluster, n_publishers)

    # --- behaviour ----------------------------------------------------------------------------

    def pick_items(self, rng: np.random.Generator, t: np.ndarray, user: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(t)
        r = rng.random(n)
        disliked = r < self.disliked_share
        taste = ~disliked & (r < self.disliked_share + _TASTE_SHARE)
        cluster = np.where(disliked, self.folk.disliked[user],
                           categorical(rng, np.cumsum(self.folk.affinity[user], axis=1)))
        item = np.where(disliked | taste, self.by_cluster.sample(rng, t, cluster), -1)
        mode = np.where(disliked, _DISLIKED_MODE, np.where(taste, _TASTE_MODE, _POPULAR_MODE))
        rest = np.flatnonzero(item < 0)
        item[rest] = self.popular.sample(rng, t[rest])
        mode[rest] = _POPULAR_MODE
        return item, mode

    def invalid(self, t: np.ndarray, user: np.ndarray, item: np.ndarray) -> np.ndarray:
        return item < 0

    def engage(self, rng: np.random.Generator, t: np.ndarray, user: np.ndarray, item: np.ndarray,
               mode: np.ndarray) -> tuple[Steps, np.ndarray]:
        n = len(t)
        fmt = self.item_format[item]
        quality = np.minimum(self.item_quality[item], 2.0)
        fit = np.clip(taste_strength(self.folk.affinity, user, self.item_cluster[item]) * (0.6 + 0.3 * quality), 0, 1)
        disliked = mode == _DISLIKED_MODE
        steps = Steps(n, 4)
        source = categorical(rng, _SOURCE_MIX[mode])
        steps.type[:, 0] = CLICK
        position = steps.column("position")
        position[:, :2] = np.minimum(rng.geometric(0.12 + 0.1 * (source == 1), n), 60)[:, None]
        # Dwell: a bounce (a few seconds) when it does not fit, minutes when it does.
        bounce = rng.random(n) < 0.55 - 0.45 * fit + 0.3 * disliked
        dwell = np.where(bounce, rng.uniform(1, 5, n), rng.lognormal(np.log(20 + 200 * fit), 0.7))
        steps.type[:, 1] = VIEW
        steps.gap[:, 1] = rng.uniform(1, 4, n)
        steps.value[:, 1] = np.round(dwell, 1)
        scroll = steps.column("scroll_depth")
        scroll[:, 1] = np.round(np.where(bounce, rng.uniform(0, 0.15, n), np.clip(rng.beta(1 + 4 * fit, 2, n), 0, 1)), 2)
        # Explicit feedback comes after reading (or bouncing).
        thumbs_up = ~bounce & (rng.random(n) < 0.04 + 0.30 * fit)
        thumbs_down = ~thumbs_up & (rng.random(n) < 0.02 + 0.10 * (1 - fit) + 0.35 * disliked + 0.1 * bounce)
        rated = ~thumbs_up & ~thumbs_down & (rng.random(n) < np.where((fmt == _PRODUCT) | (fmt == _VIDEO), 0.12, 0.03))
        steps.type[thumbs_up, 2] = LIKE
        steps.type[thumbs_down, 2] = DISMISS
        steps.type[rated, 2] = RATE
        steps.value[:, 2] = np.where(rated, np.clip(np.rint(rng.normal(1.3 + 3.5 * fit, 0.8, n)), 1, 5), np.nan)
        steps.gap[:, 2] = dwell
        kept = ~bounce & ~thumbs_down & (rng.random(n) < 0.02 + 0.12 * fit)
        steps.type[kept, 3] = np.where(rng.random(n) < 0.7, SAVE, SHARE)[kept]
        steps.gap[:, 3] = rng.uniform(2, 30, n)
        return steps, source

    # --- records --------------------------------------------------------------------------------

    def _item_records(self, rng: np.random.Generator, by: np.ndarray, p_quality: np.ndarray) -> list[dict]:
        r = rng.random((len(self.item_ids), 14))
        created_iso = iso(self.item_created)
        heads = _WORDS["heads"]
        items = []
        for i, item_id in enumerate(self.item_ids):
            cl, fmt, x = _CLUSTERS[self.item_cluster[i]], _FORMATS[self.item_format[i]], r[i]
            tools = pick_distinct(cl.tools, x[0:1 + (x[1] < 0.4)], 1.6)
            topics = pick_distinct(cl.topics, x[2:3 + (x[3] < 0.4)], 1.4)
            adjective, noun = pick(cl.adjectives, x[4]), pick(cl.nouns, x[5])
            head = pick(heads[fmt], x[6])
            attributes: dict = {"format": fmt}
            price = None
            if fmt == "product":
                title = f"{adjective.capitalize()} {label(tools[0])} {head}"
                description = (f"{article(adjective).capitalize()} {label(tools[0])} {head} for "
                               f"{join([label(t) for t in topics])}: everything to {pick(cl.verbs, x[7])} "
                               f"{article(noun)} {noun}.")
                price = round(float(np.exp(np.log(35) + 0.8 * (x[8] - 0.5) * 2)), 2)
            else:
                title = (f"{adjective.capitalize()} {noun}: {head}" if x[9] < 0.5 else
                         f"How to {pick(cl.verbs, x[7])} {article(adjective)} {noun} ({head})")
                description = (f"{article(fmt).capitalize()} about {join([label(t) for t in topics])} "
                               f"with {join([label(t) for t in tools])}, for anyone into {noun} and "
                               f"{pick(cl.nouns, x[10])}.")
                attributes["length_minutes"] = int({"article": 3 + 12 * x[11], "video": 2 + 28 * x[11],
                                                    "podcast": 15 + 60 * x[11]}[fmt])
            items.append({"id": item_id, "title": title, "description": description,
                          "tags": [cl.category, *(f"tool:{t}" for t in tools), *(f"topic:{t}" for t in topics),
                                   f"format:{fmt}"],
                          "creator_id": f"publisher{by[i] + 1}", "created_at": created_iso[i],
                          "price": price, "attributes": attributes})
        return items

    def _user_records(self, rng: np.random.Generator, p_cluster: np.ndarray,
                      n_publishers: int) -> tuple[list[dict], list[dict]]:
        folk = self.folk
        r = rng.random((len(folk), 10))
        joined_iso = iso(folk.created)
        users, consents = [], []
        for u in range(len(folk)):
            user: dict = {
                "id": self.user_ids[u],
                "created_at": joined_iso[u],
                "location": None if np.isnan(folk.lat[u]) else {"lat": float(folk.lat[u]), "lon": float(folk.lon[u])},
                "attributes": {"name": f"{pick(_FIRST_NAMES, r[u, 0])} {pick(_LAST_NAMES, r[u, 1])}",
                               "age_band": pick(_WORDS["age_bands"], r[u, 2])},
            }
            if r[u, 3] < _DECLARE_SHARE:
                # Declared interests: the clusters they like, weighted as they like them (rounded
                # the way a settings page would show it), and sometimes a favourite topic.
                main = folk.taste_order[u, 0]
                preferred = {_CLUSTERS[c].category: round(float(0.5 + 0.5 * folk.affinity[u, c] / folk.affinity[u, main]), 1)
                             for c in folk.taste_order[u, :3] if folk.affinity[u, c] > 0}
                if r[u, 4] < 0.5:
                    preferred[f"topic:{pick(_CLUSTERS[main].topics, r[u, 5], 1.4)}"] = 0.6
                prefs: dict = {"preferred_tags": preferred}
                if r[u, 6] < 0.2:
                    prefs["blocked_tags"] = [_CLUSTERS[folk.disliked[u]].category]
                user["preferences"] = prefs
            users.append(user)
            for purpose, share, x in zip(_WORDS["purposes"], (0.9, 0.65), (r[u, 7], r[u, 8])):
                consents.append({"user_id": self.user_ids[u], "purpose": purpose, "granted": bool(x < share),
                                 "at": joined_iso[u]})
        p_joined = iso(np.full(n_publishers, self.start - 400 * DAY) + np.arange(n_publishers) * 3600)
        rp = rng.random((n_publishers, 2))
        for p in range(n_publishers):
            name = (f"{pick(_CLUSTERS[p_cluster[p, 0]].adjectives, rp[p, 0]).capitalize()} "
                    f"{pick(_WORDS['publisher_suffixes'], rp[p, 1])}")
            users.append({"id": f"publisher{p + 1}", "created_at": p_joined[p],
                          "attributes": {"name": name, "role": "publisher"}})
        return users, consents


def generate(size: DemoSize, now: datetime) -> Dataset:
    """The profiles world for ``size``, its history ending at ``now`` (UTC)."""
    world = _Profiles(size, now.timestamp())
    return Dataset(items=world.items, users=world.users, now=now, size=size, _world=world, app="profiles",
                   consents=world.consents)
