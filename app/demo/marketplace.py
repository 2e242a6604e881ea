"""The marketplace world: local jobs and gigs posted in five real cities.

* **Posters** (``poster1`` …, about one user in eight) are businesses (a café, a courier
  firm, a tutoring academy) or individuals (a family looking for a babysitter). Each posts in
  one or two of ten categories (delivery, hospitality, cleaning, tutoring, handyman, pet care,
  childcare, tech, events, retail), in their own city, at a rate of their own; posters differ
  in quality (how well their listings convert).
* **Listings** (``listing1`` …, in posting order) have a location near the poster (remote
  tech work has none and the tag ``remote``), a compensation as ``price`` in the city's
  currency (per hour, or per gig for gigs; ``attributes.pay_unit``, ``attributes.currency``),
  tags ``category:``, ``skill:``, ``schedule:``, ``type:`` (gig, part-time, full-time), and an
  ``expires_at`` 5 to 45 days after posting (jobs get filled); some are evergreen.
* **Seekers** (``person1`` …) live in one of the cities and look for one to three kinds of
  work. Almost half declare preferences: a maximum distance, a minimum pay (in their
  currency), preferred and blocked tags; a few turn personalisation off.
* **Events**: seekers mostly browse listings near home in the kinds of work they want, and
  farther listings are opened less the farther they are. An engagement is a ``view`` (its
  ``value`` is the seconds spent on the listing) and then, depending on how well the listing
  fits (kind of work, distance, pay, poster), a ``click`` (contact details), ``save``,
  ``apply`` and ``share``, or a ``dismiss``. Nobody applies beyond their declared distance or
  below their minimum pay. ``context`` has the ``source`` (feed, search, map, nearby, alert)
  and, in ranked lists, the ``position`` the listing was shown at.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from app.demo.world import (
    APPLY,
    CLICK,
    DAY,
    DISMISS,
    HOUR,
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
    cities,
    haversine_km,
    iso,
    join,
    label,
    long_tail,
    people,
    pick,
    pick_distinct,
    scatter_around_cities,
    stop_times,
    taste_strength,
    vocabulary,
)

_WORDS = vocabulary()["marketplace"]
_CATEGORIES = _WORDS["categories"]
_CITIES = cities()
_FIRST_NAMES, _LAST_NAMES = vocabulary()["first_names"], vocabulary()["last_names"]
_SCHEDULES = _WORDS["schedules"]  # (tag value, phrase)
_JOB_TYPES = _WORDS["job_types"]
_GIG, _PART_TIME, _FULL_TIME = range(3)

_POSTER_SHARE = 0.12
_MAX_LIFE_DAYS = 45  # a listing is open 5..45 days; evergreen ones stay
_EVERGREEN_SHARE = 0.06
_DECLARE_SHARE = 0.45
_REACH_KM = 12.0  # how far people casually look: the chance to open a listing ~ exp(-d / reach)
_LOCAL_TASTE_MODE, _LOCAL_MODE, _DISLIKED_MODE, _ELSEWHERE_MODE = range(4)
# Context source per mode; columns follow _WORDS["sources"] (feed, search, map, nearby, alert).
_SOURCE_MIX = np.cumsum(np.array([[0.45, 0.25, 0.10, 0.10, 0.10],
                                  [0.35, 0.15, 0.25, 0.25, 0.00],
                                  [0.60, 0.20, 0.10, 0.10, 0.00],
                                  [0.20, 0.80, 0.00, 0.00, 0.00]]), axis=1)
_RANKED_SOURCES = np.array([s in ("feed", "search", "alert") for s in _WORDS["sources"]])


def _round_pay(amount: np.ndarray, currency: np.ndarray) -> np.ndarray:
    # Yen in tens, everything else in halves, as a listing would state it.
    return np.where(currency == "JPY", np.round(amount / 10) * 10, np.round(amount * 2) / 2)


class _Marketplace(AppWorld):
    prefix = "marketplace-"
    sources = tuple(_WORDS["sources"])
    integer_context = frozenset({"position"})
    categories = tuple(f"category:{c['name']}" for c in _CATEGORIES)

    def __init__(self, size: DemoSize, now: float) -> None:
        rng = np.random.default_rng([size.seed, 0])
        self.seed, self.events, self.now, self.disliked_share = size.seed, size.events, now, size.disliked
        self.start = start = now - size.days * DAY
        # Job hunting happens in the daytime (UTC noon is a compromise across the cities).
        self.clock = EventClock(start, now, peak_hour=13)
        k, n_cities = len(_CATEGORIES), len(_CITIES)
        n_posters = max(10, round(_POSTER_SHARE * size.users))
        n_seekers = size.users - n_posters
        n_items = size.items
        currency = np.array([c.currency for c in _CITIES])
        pay_index = np.array([c.pay_index for c in _CITIES])
        base_pay = np.array([c["base_pay"] for c in _CATEGORIES], float)

        # --- seekers --------------------------------------------------------------------------
        folk = people(rng, n_seekers, k, start, now, located=0.97, city_spread_km=6.0)
        self.seekers = folk
        # What an hour of their main kind of work must pay them, in their currency.
        self.reservation = (base_pay[folk.taste_order[:, 0]] * pay_index[folk.city]
                            * rng.uniform(0.75, 1.15, n_seekers))
        self.schedule = rng.integers(0, len(_SCHEDULES), n_seekers)

        # --- posters: who they are, where, what they post ---------------------------------------
        business = rng.random(n_posters) < 0.7
        p_joined = np.floor(np.sort(np.where(rng.random(n_posters) < 0.6,
                                             start - rng.uniform(0, 730, n_posters) * DAY,
                                             rng.uniform(start, now - 7 * DAY, n_posters))))
        p_joined[0] = min(p_joined[0], start - 30 * DAY)  # someone was posting before the history
        p_city = rng.choice(n_cities, n_posters, p=np.array([c.share for c in _CITIES]))
        p_cat = rng.integers(0, k, (n_posters, 2))
        p_cat[:, 1] = np.where(business & (rng.random(n_posters) < 0.4), p_cat[:, 1], p_cat[:, 0])
        productivity = rng.lognormal(0.0, 1.0, n_posters) * np.where(business, 3.0, 1.0)
        quality = rng.lognormal(0.0, 0.4, n_posters)
        generosity = rng.lognormal(0.0, 0.15, n_posters)
        p_lat, p_lon = scatter_around_cities(rng, p_city, 6.0)

        # --- listings ---------------------------------------------------------------------------
        by = rng.choice(n_posters, n_items, p=productivity / productivity.sum())
        cat = p_cat[by, (rng.random(n_items) < 0.5).astype(int)]
        created = np.where(rng.random(n_items) < 0.12, start - rng.uniform(0, _MAX_LIFE_DAYS, n_items) * DAY,
                           self.clock.random_times(rng, n_items))
        created = np.floor(np.minimum(np.maximum(created, p_joined[by] + DAY), now - HOUR))
        evergreen = rng.random(n_items) < _EVERGREEN_SHARE
        first = int(np.argmin(created))
        evergreen[first] = True  # always something open, from the first moment of the history
        created[first] = min(created[first], start - DAY)
        expires = np.where(evergreen, np.inf, np.floor(created + rng.uniform(5, _MAX_LIFE_DAYS, n_items) * DAY))
        order = np.argsort(created, kind="stable")
        by, cat, created, expires, evergreen = by[order], cat[order], created[order], expires[order], evergreen[order]
        city = p_city[by]
        remote = rng.random(n_items) < np.array([c.get("remote_share", 0.0) for c in _CATEGORIES])[cat]
        lat, lon = scatter_around_cities(rng, city, 5.0)
        individual = ~business[by]
        lat[individual], lon[individual] = p_lat[by][individual], p_lon[by][individual]
        lat[remote] = lon[remote] = np.nan
        job_type = rng.choice(3, n_items, p=[0.5, 0.35, 0.15])
        hours = rng.integers(2, 9, n_items)
        hourly = base_pay[cat] * pay_index[city] * generosity[by] * rng.lognormal(0.0, 0.18, n_items)
        price = _round_pay(np.where(job_type == _GIG, hourly * hours, hourly), currency[city])
        s = rng.random(n_items)
        status = np.where(s < 0.02, 1, 0)  # removed by moderation
        status[np.flatnonzero(evergreen)[:1]] = 0
        # Better pay and better posters draw more attention; most listings are seen a little.
        appeal = (hourly / (base_pay[cat] * pay_index[city])) ** 2 * quality[by] * rng.lognormal(0.0, 0.5, n_items)
        appeal = long_tail(rng, appeal, size.long_tail) * (status == 0)

        self.item_ids = [f"listing{n}" for n in range(1, n_items + 1)]
        self.user_ids = ([f"person{n}" for n in range(1, n_seekers + 1)]
                         + [f"poster{n}" for n in range(1, n_posters + 1)])
        self.n_seekers = n_seekers
        self.item_category, self.item_city, self.item_expires = cat, city, expires
        self.item_lat, self.item_lon, self.item_price, self.item_hourly = lat, lon, price, hourly
        self.item_quality, self.item_live, self.item_remote = quality[by], status == 0, remote
        self.item_schedule = np.where(job_type == _FULL_TIME, 4, rng.integers(0, 4, n_items))
        self.item_gig = job_type == _GIG

        # --- who is active, what they declared ------------------------------------------------
        self.user_stopped = np.concatenate([stop_times(rng, folk.created, start, now, size.churn),
                                            np.full(n_posters, np.inf)])
        self.affinity = np.concatenate([folk.affinity, np.zeros((n_posters, k))])
        self.active = ActiveUsers(folk.created, folk.activity, self.user_stopped, now)  # seekers browse, posters post
        declares = rng.random(n_seekers) < _DECLARE_SHARE
        pr = rng.random((n_seekers, 6))
        self.max_km = np.where(declares & ~np.isnan(folk.lat) & (pr[:, 0] < 0.8),
                               np.array([3.0, 5.0, 10.0, 15.0, 25.0, 50.0])[
                                   np.searchsorted(np.cumsum([0.1, 0.2, 0.3, 0.2, 0.12, 0.08]), pr[:, 1])], np.nan)
        self.price_min = np.where(declares & (pr[:, 2] < 0.4), _round_pay(self.reservation, currency[folk.city]),
                                  np.nan)
        # A range, not only a floor, for a few: no senior roles for them.
        self.price_max = np.where(pr[:, 5] < 0.15, _round_pay(self.price_min * 4, currency[folk.city]), np.nan)
        self.blocked = np.where(declares & (pr[:, 3] < 0.3), folk.disliked, -1)
        self.declares, self.personal = declares, pr[:, 4] >= 0.03

        # Open listings by (city, category), by city, anywhere; evergreen ones outside the window.
        group = city * k + cat
        self.local_taste = PrefixSampler(created, appeal, now, group, n_cities * k)
        self.local = PrefixSampler(created, appeal, now, city, n_cities)
        self.anywhere = PrefixSampler(created, appeal, now)
        ever = np.flatnonzero(evergreen & (status == 0))
        self.evergreen = PrefixSampler(created[ever], appeal[ever] + 1e-9, now, city[ever], n_cities, ids=ever)
        self.evergreen_anywhere = PrefixSampler(created[ever], appeal[ever] + 1e-9, now, ids=ever)

        self._names = self._poster_names(rng, business, p_cat)
        self.items = self._item_records(rng, by, business, created, expires, status, job_type, hours, remote,
                                        currency)
        self.users = self._user_records(rng, folk, p_joined, p_city, p_lat, p_lon, business, p_cat, currency)

    # --- behaviour ----------------------------------------------------------------------------

    def pick_items(self, rng: np.random.Generator, t: np.ndarray, user: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n, k = len(t), len(_CATEGORIES)
        since = t - _MAX_LIFE_DAYS * DAY
        home = self.seekers.city[user]
        r = rng.random(n)
        mode = np.select([r < self.disliked_share, r < self.disliked_share + 0.65, r < self.disliked_share + 0.92],
                         [_DISLIKED_MODE, _LOCAL_TASTE_MODE, _LOCAL_MODE], _ELSEWHERE_MODE)
        item = np.full(n, -1, np.int64)
        for attempt in range(3):  # far listings are opened less: re-draw those that were passed over
            todo = np.flatnonzero(item < 0)
            if not todo.size:
                break
            m, u = mode[todo], user[todo]
            cat = np.where(m == _DISLIKED_MODE, self.seekers.disliked[u],
                           categorical(rng, np.cumsum(self.seekers.affinity[u], axis=1)))
            got = np.where(m == _LOCAL_MODE, self.local.sample(rng, t[todo], home[todo], since[todo]),
                           self.local_taste.sample(rng, t[todo], home[todo] * k + cat, since[todo]))
            got = np.where(m == _ELSEWHERE_MODE, self.anywhere.sample(rng, t[todo], since=since[todo]), got)
            d = haversine_km(self.seekers.lat[u], self.seekers.lon[u], self.item_lat[got], self.item_lon[got])
            passed = (m != _ELSEWHERE_MODE) & (rng.random(todo.size) > np.exp(-np.nan_to_num(d) / _REACH_KM))
            item[todo] = np.where((got >= 0) & (passed & (attempt < 2)), -1, got)
        # Nothing open there yet: an evergreen listing in town, or anywhere.
        rest = np.flatnonzero(item < 0)
        item[rest] = self.evergreen.sample(rng, t[rest], home[rest])
        rest = np.flatnonzero(item < 0)
        item[rest] = self.evergreen_anywhere.sample(rng, t[rest])
        return item, mode

    def invalid(self, t: np.ndarray, user: np.ndarray, item: np.ndarray) -> np.ndarray:
        bad = item < 0
        ok = ~bad
        bad[ok] = (t[ok] > self.item_expires[item[ok]]) | ~self.item_live[item[ok]]
        return bad

    def engage(self, rng: np.random.Generator, t: np.ndarray, user: np.ndarray, item: np.ndarray,
               mode: np.ndarray) -> tuple[Steps, np.ndarray]:
        n = len(t)
        cat = self.item_category[item]
        d = haversine_km(self.seekers.lat[user], self.seekers.lon[user], self.item_lat[item], self.item_lon[item])
        near = np.where(self.item_remote[item], 1.0, np.exp(-np.nan_to_num(d, nan=50.0) / (2 * _REACH_KM)))
        pays = 1 / (1 + np.exp(-4 * (self.item_hourly[item] / self.reservation[user] - 1)))
        schedule = np.where(self.item_schedule[item] == self.schedule[user], 1.2, 1.0)
        fit = np.clip(taste_strength(self.seekers.affinity, user, cat) * near * (0.4 + 0.6 * pays) * schedule, 0, 1)
        quality = np.minimum(self.item_quality[item], 2.0)
        disliked = mode == _DISLIKED_MODE
        # Declared limits hold: nobody applies beyond their distance, below their pay or to a blocked kind.
        price = self.item_price[item]
        declared_no = ((d > self.max_km[user]) | (price < self.price_min[user]) | (price > self.price_max[user])
                       | (self.blocked[user] == cat))
        steps = Steps(n, 5)
        steps.type[:, 0] = VIEW
        steps.value[:, 0] = np.round(rng.lognormal(np.log(8 + 50 * fit), 0.8), 1)
        clicked = rng.random(n) < 0.08 + 0.55 * fit
        applied = clicked & ~declared_no & (rng.random(n) < (0.04 + 0.40 * fit) * quality)
        saved = clicked & ~declared_no & ~applied & (rng.random(n) < 0.05 + 0.25 * fit)
        shared = clicked & ~declared_no & (rng.random(n) < 0.01 + 0.06 * fit)
        dismissed = ~clicked & (rng.random(n) < 0.04 + 0.15 * (1 - fit) + 0.35 * disliked + 0.3 * declared_no)
        steps.type[clicked, 1] = CLICK
        steps.type[dismissed, 1] = DISMISS
        steps.gap[:, 1] = steps.value[:, 0]
        steps.type[saved, 2] = SAVE
        steps.gap[:, 2] = rng.uniform(5, 90, n)
        steps.type[applied, 3] = APPLY
        steps.gap[:, 3] = rng.uniform(60, 900, n)
        steps.type[shared, 4] = SHARE
        steps.gap[:, 4] = rng.uniform(10, 300, n)
        source = categorical(rng, _SOURCE_MIX[mode])
        ranked = _RANKED_SOURCES[source]
        position = steps.column("position")
        position[ranked, :] = np.minimum(rng.geometric(0.15, int(ranked.sum())), 50)[:, None]
        return steps, source

    # --- records --------------------------------------------------------------------------------

    def _poster_names(self, rng: np.random.Generator, business: np.ndarray, p_cat: np.ndarray) -> list[str]:
        r = rng.random((len(business), 4))
        names = []
        for p in range(len(business)):
            if business[p]:
                cat = _CATEGORIES[p_cat[p, 0]]["name"]
                names.append(f"{pick(_WORDS['business_words'], r[p, 0])} "
                             f"{pick(_WORDS['business_suffixes'][cat], r[p, 1])}")
            else:
                names.append(f"{pick(_FIRST_NAMES, r[p, 2])} {pick(_LAST_NAMES, r[p, 3])[0]}.")
        return names

    def _item_records(self, rng: np.random.Generator, by: np.ndarray, business: np.ndarray, created: np.ndarray,
                      expires: np.ndarray, status: np.ndarray, job_type: np.ndarray, hours: np.ndarray,
                      remote: np.ndarray, currency: np.ndarray) -> list[dict]:
        r = rng.random((len(by), 8))
        created_iso = iso(created)
        expires_iso = iso(np.where(np.isfinite(expires), expires, 0))
        items = []
        for i, item_id in enumerate(self.item_ids):
            c, place, x = _CATEGORIES[self.item_category[i]], _CITIES[self.item_city[i]], r[i]
            role = pick(c["roles"], x[0])
            skills = pick_distinct(c["skills"], x[1:2 + (x[2] < 0.5)], 1.3)
            schedule_tag, schedule_phrase = _SCHEDULES[self.item_schedule[i]]
            hood = pick(place.neighbourhoods, x[3])
            unit = "gig" if job_type[i] == _GIG else "hour"
            cur = str(currency[self.item_city[i]])
            price = float(self.item_price[i])
            pay = f"{price:g} {cur} per {unit}" + (f" ({hours[i]} hours)" if unit == "gig" else "")
            tags = [f"category:{c['name']}", *(f"skill:{s}" for s in skills), f"schedule:{schedule_tag}",
                    f"type:{_JOB_TYPES[job_type[i]]}"]
            if remote[i]:
                tags.append("remote")
            if x[4] < 0.2:
                tags.append("no-experience")
            if x[5] < 0.08:
                tags.append("urgent")
            where = "remote" if remote[i] else f"{hood}, {place.name}"
            items.append({
                "id": item_id,
                "title": f"{role} ({schedule_phrase})" if x[6] < 0.5 else f"{role} in {'remote' if remote[i] else hood}",
                "description": (f"{self._names[by[i]]} is looking for {article(role.lower())} ({where}). "
                                f"{schedule_phrase.capitalize()}, {_JOB_TYPES[job_type[i]]}. Pay: {pay}. "
                                f"Skills: {join([label(s) for s in skills])}. {pick(_WORDS['closers'], x[7])}"),
                "tags": tags,
                "creator_id": f"poster{by[i] + 1}",
                "created_at": created_iso[i],
                "expires_at": expires_iso[i] if np.isfinite(expires[i]) else None,
                "location": None if np.isnan(self.item_lat[i]) else {"lat": float(self.item_lat[i]),
                                                                     "lon": float(self.item_lon[i])},
                "price": price,
                "status": ("active", "hidden")[status[i]],
                "attributes": {"kind": "gig" if unit == "gig" else "job", "pay_unit": unit, "currency": cur,
                               "city": place.name, "neighbourhood": None if remote[i] else hood,
                               **({"hours": int(hours[i])} if unit == "gig" else {}),
                               "poster_type": "business" if business[by[i]] else "individual"},
            })
        return items

    def _user_records(self, rng: np.random.Generator, folk: People, p_joined: np.ndarray, p_city: np.ndarray,
                      p_lat: np.ndarray, p_lon: np.ndarray, business: np.ndarray, p_cat: np.ndarray,
                      currency: np.ndarray) -> list[dict]:
        r = rng.random((len(folk), 6))
        joined_iso = iso(folk.created)
        users = []
        for u in range(len(folk)):
            main, second = folk.taste_order[u, 0], folk.taste_order[u, 1]
            user: dict = {
                "id": self.user_ids[u],
                "created_at": joined_iso[u],
                "location": None if np.isnan(folk.lat[u]) else {"lat": float(folk.lat[u]), "lon": float(folk.lon[u])},
                "attributes": {"name": f"{pick(_FIRST_NAMES, r[u, 0])} {pick(_LAST_NAMES, r[u, 1])}",
                               "role": "seeker", "city": _CITIES[folk.city[u]].name,
                               "currency": str(currency[folk.city[u]])},
            }
            prefs: dict = {}
            if self.declares[u]:
                preferred = {f"category:{_CATEGORIES[main]['name']}": 1.0}
                if folk.affinity[u, second] > 0:
                    preferred[f"category:{_CATEGORIES[second]['name']}"] = round(
                        max(0.3, float(folk.affinity[u, second] / folk.affinity[u, main])), 2)
                preferred[f"skill:{pick(_CATEGORIES[main]['skills'], r[u, 2], 1.3)}"] = 0.6
                preferred[f"schedule:{_SCHEDULES[self.schedule[u]][0]}"] = 0.5
                prefs["preferred_tags"] = preferred
                prefs["blocked_tags"] = ([f"category:{_CATEGORIES[self.blocked[u]]['name']}"]
                                         if self.blocked[u] >= 0 else [])
                if not np.isnan(self.max_km[u]):
                    prefs["max_distance_km"] = float(self.max_km[u])
                if not np.isnan(self.price_min[u]):
                    prefs["price_min"] = float(self.price_min[u])
                if not np.isnan(self.price_max[u]):
                    prefs["price_max"] = float(self.price_max[u])
            if not self.personal[u]:
                prefs["personalization"] = False
            if prefs:
                user["preferences"] = prefs
            users.append(user)
        p_iso = iso(p_joined)
        for p in range(len(p_joined)):
            users.append({
                "id": f"poster{p + 1}",
                "created_at": p_iso[p],
                "location": {"lat": float(p_lat[p]), "lon": float(p_lon[p])},
                "attributes": {"name": self._names[p], "role": "poster",
                               "poster_type": "business" if business[p] else "individual",
                               "city": _CITIES[p_city[p]].name},
            })
        return users


def generate(size: DemoSize, now: datetime) -> Dataset:
    """The marketplace world for ``size``, its history ending at ``now`` (UTC)."""
    world = _Marketplace(size, now.timestamp())
    return Dataset(items=world.items, users=world.users, now=now, size=size, _world=world, app="marketplace")
