"""The demo worlds (generic presets and the explore, marketplace, learning and profiles apps):
deterministic, valid as input to the rec functions, with the behaviour each product implies and
realism knobs that do what they say. One small dataset per world (and knob setting) is generated
and shared; each application world is also loaded into a database through the public API."""

from __future__ import annotations

import json
import math
import os
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from functools import lru_cache

import psycopg
import pytest

from app.demo import APPS, EVENT_TYPES, POSITIVE_EVENT_TYPES, PRESETS, WORLDS, Dataset, DemoSize, generate_world
from app.loader import load_dataset, onboarding_answers

SIZE = DemoSize(items=300, users=200, events=6000, days=90, seed=11)
# The keys each rec function accepts: a generated record with another key would be rejected.
ITEM_KEYS = {"id", "title", "description", "tags", "creator_id", "created_at", "location", "price", "attributes",
             "status", "expires_at"}
USER_KEYS = {"id", "created_at", "location", "attributes", "preferences"}
PREFERENCE_KEYS = {"preferred_tags", "blocked_tags", "max_distance_km", "price_min", "price_max", "personalization"}
EVENT_KEYS = {"event_id", "user_id", "item_id", "type", "value", "at", "context"}


@lru_cache(maxsize=None)
def world(name: str, **knobs) -> tuple[Dataset, tuple[dict, ...]]:
    ds = generate_world(name, SIZE, **knobs)
    return ds, tuple(e for batch in ds.events(1000) for e in batch)


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def flat(batches) -> list[dict]:
    return [e for batch in batches for e in batch]


def longest_streak(days: set) -> int:
    """Most consecutive calendar days in a set of dates."""
    return max(next(n for n in range(1, len(days) + 2) if d + timedelta(days=n) not in days)
               for d in days if d - timedelta(days=1) not in days)


def km(a: dict, b: dict) -> float:
    p1, p2 = math.radians(a["lat"]), math.radians(b["lat"])
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b["lon"] - a["lon"]) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(h))


# --- every world ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", WORLDS)
def test_same_seed_gives_identical_output_and_another_seed_differs(name: str) -> None:
    small = DemoSize(items=80, users=60, events=1500, days=30, seed=3)
    a, b = generate_world(name, small), generate_world(name, small)
    assert (a.items, a.users, a.onboarding, a.paths, a.consents, a.follows, a.unloaded) == (
        b.items, b.users, b.onboarding, b.paths, b.consents, b.follows, b.unloaded)
    assert flat(a.events(100)) == flat(b.events(700))  # batch size changes the batching only
    assert list(a.events()) == list(a.events())  # a replay is the same history
    c = generate_world(name, DemoSize(items=80, users=60, events=1500, days=30, seed=4))
    assert c.items != a.items and next(c.events(200)) != next(a.events(200))


@pytest.mark.parametrize("name", WORLDS)
def test_records_are_valid_input_to_the_rec_functions(name: str) -> None:
    ds, events = world(name)
    assert len(ds.items) == SIZE.items and len(ds.users) == SIZE.users and len(events) == SIZE.events
    items = {i["id"]: i for i in ds.items}
    users = {u["id"]: u for u in ds.users}
    assert len(items) == SIZE.items and len(users) == SIZE.users
    for item in ds.items:
        assert set(item) <= ITEM_KEYS and item["creator_id"] in users
        assert item.get("price") is None or item["price"] > 0
        assert all(isinstance(t, str) and t.strip() for t in item["tags"])
        assert at(item["created_at"]) <= ds.now
    for user in ds.users:
        assert set(user) <= USER_KEYS and set(user.get("preferences", {})) <= PREFERENCE_KEYS
    start, previous, ids = ds.now - timedelta(days=ds.size.days), None, set()
    for e in events:
        when, item, user = at(e["at"]), items[e["item_id"]], users[e["user_id"]]
        assert set(e) <= EVENT_KEYS and e["type"] in EVENT_TYPES and e["event_id"] not in ids
        ids.add(e["event_id"])
        assert start <= when <= ds.now and (previous is None or previous <= when)
        assert when >= at(item["created_at"]) and when >= at(user["created_at"]), e
        assert item.get("expires_at") is None or when <= at(item["expires_at"]), e
        assert item["creator_id"] != e["user_id"], e
        if name in APPS:  # private, archived or removed items are seen by nobody
            assert item.get("status", "active") == "active", e
        if e["type"] == "rate":
            assert 0.5 <= e["value"] <= 5 and (e["value"] * 2).is_integer()  # rec.track's scale for rate
        previous = when
    json.dumps([ds.items, ds.users, list(events), ds.onboarding, ds.paths, ds.consents, ds.follows,
                ds.unloaded])  # plain JSON throughout


def test_worlds_have_their_own_ids_so_they_can_share_a_database() -> None:
    seen: dict[str, set[str]] = {"items": set(), "users": set(), "events": set()}
    for name in ("generic", *APPS):
        ds, events = world(name)
        for kind, ids in (("items", {i["id"] for i in ds.items}), ("users", {u["id"] for u in ds.users}),
                          ("events", {e["event_id"] for e in events})):
            assert not ids & seen[kind], (name, kind)
            seen[kind] |= ids


# --- realism knobs ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["generic", "explore", "marketplace", "learning", "profiles"])
def test_churned_users_have_no_events_after_they_stop(name: str) -> None:
    ds, events = world(name, churn=0.6)
    stopped = {u["id"]: ds.stopped_at(u["id"]) for u in ds.users}
    gone = {u for u, when in stopped.items() if when is not None}
    assert 0.4 * SIZE.users < len(gone) < 0.7 * SIZE.users
    last: dict[str, datetime] = {}
    for e in events:
        when = at(e["at"])
        assert stopped[e["user_id"]] is None or when < stopped[e["user_id"]], e
        last[e["user_id"]] = when
    # They were active before they stopped: the history has people who leave, not people who never came.
    assert sum(u in last for u in gone) > 0.3 * len(gone)


@pytest.mark.parametrize("name", ["generic", "ratings", "marketplace", "profiles"])
def test_long_tail_leaves_most_items_with_very_few_events(name: str) -> None:
    def few(events: tuple[dict, ...]) -> float:
        counts = Counter(e["item_id"] for e in events)
        return sum(counts[i["id"]] <= 2 for i in ds.items) / len(ds.items)

    ds, tail = world(name, long_tail=0.6)
    _, flat = world(name, long_tail=0.0)
    assert few(tail) >= 0.5 and few(tail) > few(flat) + 0.15, (few(tail), few(flat))


def test_ratings_world_is_all_half_star_ratings_with_dislikes() -> None:
    ds, events = world("ratings")
    assert ds.size.event_mix == "ratings" and ds.size.days == PRESETS["ratings"]["days"]
    assert {e["type"] for e in events} == {"rate"}
    values = Counter(e["value"] for e in events)
    assert set(values) == {v / 2 for v in range(1, 11)}  # the whole 0.5..5 scale is used
    low = sum(n for v, n in values.items() if v <= 2) / len(events)
    _, liked_only = world("ratings", disliked=0.0)
    low_without = sum(e["value"] <= 2 for e in liked_only) / len(liked_only)
    assert 0.1 < low and low > low_without + 0.03  # ratings that mean "did not like it"
    # Years of history: the events span most of the three years.
    assert at(events[-1]["at"]) - at(events[0]["at"]) > timedelta(days=900)


def test_implicit_world_has_no_explicit_feedback_and_disliked_views() -> None:
    ds, events = world("implicit")
    types = Counter(e["type"] for e in events)
    assert not types["rate"] and not types["dismiss"] and types["view"] > types["click"] > types["like"] > 0
    # Views of the user's least liked cluster lead nowhere: far fewer positives than in-taste views.
    taste = {u["id"]: set(ds.user_taste(u["id"])) for u in ds.users}
    category = {i["id"]: next(t for t in i["tags"] if t.startswith("category:")) for i in ds.items}
    positive, total = Counter[bool](), Counter[bool]()
    for e in events:
        liked = category[e["item_id"]] in taste[e["user_id"]]
        total[liked] += 1
        positive[liked] += e["type"] in POSITIVE_EVENT_TYPES
    assert positive[True] / total[True] > 3 * positive[False] / total[False]


def test_knobs_are_validated_and_application_worlds_keep_their_event_types() -> None:
    for bad in ({"churn": 1.0}, {"long_tail": -0.1}, {"disliked": 0.8}, {"days": 4000}, {"event_mix": "clicks"}):
        with pytest.raises(ValueError):
            SIZE.with_knobs(**bad)
    with pytest.raises(ValueError):
        generate_world("marketplace", SIZE, event_mix="ratings")
    with pytest.raises(ValueError):
        generate_world("nowhere", SIZE)
    assert DemoSize() == DemoSize().with_knobs(churn=None, days=None)  # unset options change nothing


# --- what each application implies -------------------------------------------------------------


def test_explore_projects_creators_follows_and_quiz() -> None:
    ds, events = world("explore")
    for item in ds.items:
        kinds = Counter(t.split(":", 1)[0] for t in item["tags"])
        assert kinds["category"] == 1 and 1 <= kinds["tool"] <= 3 and 1 <= kinds["topic"] <= 3 and kinds["level"] == 1
        assert f"level:{item['attributes']['skill_level']}" in item["tags"]
    creators = {i["creator_id"] for i in ds.items}
    assert 15 <= len(creators) <= 0.2 * SIZE.users
    follows = ds.follows
    assert "follows" not in ds.unloaded and ds.questionnaire == "explore"
    assert len(follows) > SIZE.users and {f["creator_id"] for f in follows} <= creators
    assert all(f["user_id"] != f["creator_id"] for f in follows)
    assert all(f["unfollowed_at"] is None or f["followed_at"] < f["unfollowed_at"] for f in follows)
    # Followers come back for their creators' work and like it far more than other work.
    following = {(f["user_id"], f["creator_id"]) for f in follows}
    creator_of = {i["id"]: i["creator_id"] for i in ds.items}
    likes, views = Counter[bool](), Counter[bool]()
    for e in events:
        followed = (e["user_id"], creator_of[e["item_id"]]) in following
        views[followed] += e["type"] == "view"
        likes[followed] += e["type"] == "like"
    assert likes[True] / views[True] > 1.5 * likes[False] / views[False]
    assert {(e["context"] or {}).get("source") for e in events} >= {"for_you", "new", "trending", "following"}
    assert ds.onboarding and all(set(o) == {"user_id", "at", "picks"} for o in ds.onboarding)


def test_marketplace_listings_are_local_and_applications_respect_preferences() -> None:
    ds, events = world("marketplace")
    from app.demo.world import cities

    centres = [{"lat": c.lat, "lon": c.lon} for c in cities()]
    for item in ds.items:
        assert item["price"] > 0 and item["attributes"]["currency"] and item["attributes"]["pay_unit"] in ("hour", "gig")
        if item["location"]:
            assert min(km(item["location"], c) for c in centres) < 40
        else:
            assert "remote" in item["tags"]
    posters = {i["creator_id"] for i in ds.items}
    assert all(p.startswith("poster") for p in posters) and len(posters) >= 10
    types = Counter(e["type"] for e in events)
    assert types["view"] > types["click"] > types["apply"] > 0 and types["dismiss"] and types["save"]
    assert all(e["value"] > 0 for e in events if e["type"] == "view")  # seconds spent
    users = {u["id"]: u for u in ds.users}
    items = {i["id"]: i for i in ds.items}
    near, far = Counter[str](), Counter[str]()
    for e in events:
        user, item = users[e["user_id"]], items[e["item_id"]]
        prefs = user.get("preferences", {})
        if e["type"] == "apply":
            assert item["price"] >= prefs.get("price_min", 0) and not set(item["tags"]) & set(prefs.get("blocked_tags", []))
        if item["location"] and user["location"]:
            d = km(user["location"], item["location"])
            if e["type"] in ("apply", "save", "share") and "max_distance_km" in prefs:
                assert d <= prefs["max_distance_km"], e
            (near if d < 10 else far)[e["type"]] += 1
    assert near["apply"] / near["view"] > 2 * far["apply"] / max(far["view"], 1)


def test_learning_courses_prerequisites_scores_and_streaks() -> None:
    ds, events = world("learning")
    items = {i["id"]: i for i in ds.items}
    assert {i["attributes"]["type"] for i in ds.items} == {"course", "module", "lesson"}
    for item in ds.items:
        a = item["attributes"]
        assert a["duration_minutes"] > 0 and 1 <= a["level"] <= 5
        for p in a["prerequisites"]:
            assert p in items and at(items[p]["created_at"]) <= at(item["created_at"])
    learner = {u["id"]: u["attributes"] for u in ds.users if u["id"].startswith("learner")}
    assert all({"level", "learning_style", "pace"} <= set(a) for a in learner.values())
    completes = [e for e in events if e["type"] == "complete"]
    assert completes and all(0 <= e["value"] <= 100 for e in completes)
    # Lessons of a course are completed in order.
    progress: dict[tuple[str, str], list[int]] = defaultdict(list)
    for e in completes:
        a = items[e["item_id"]]["attributes"]
        if a["type"] == "lesson":
            progress[e["user_id"], a["course"]].append(a["sequence"])
    steps = Counter(b - a for seq in progress.values() for a, b in zip(seq, seq[1:]))
    assert steps[1] > 0.9 * sum(steps.values())
    # Habitual learners study day after day.
    days: dict[str, set] = defaultdict(set)
    for e in events:
        days[e["user_id"]].add(at(e["at"]).date())
    assert max(longest_streak(d) for d in days.values()) >= 7
    assert ds.paths and all(set(p["modules"]) <= set(items) for p in ds.paths)
    assert {c["purpose"] for c in ds.consents} == {"personalization", "analytics"}


def test_profiles_explicit_and_implicit_feedback() -> None:
    ds, events = world("profiles")
    types = Counter(e["type"] for e in events)
    assert types["click"] and types["view"] and types["like"] and types["dismiss"] and types["rate"]
    views = [e for e in events if e["type"] == "view"]
    assert all(e["value"] > 0 and 0 <= e["context"]["scroll_depth"] <= 1 for e in views)
    bounces = sum(e["value"] < 5 for e in views) / len(views)
    assert 0.1 < bounces < 0.7
    assert all(1 <= e["value"] <= 5 for e in events if e["type"] == "rate")
    assert all(isinstance(e["context"]["position"], int) for e in events if e["type"] == "click")
    declared = [u for u in ds.users if "preferences" in u]
    assert 0.3 * SIZE.users < len(declared) and all(u["preferences"]["preferred_tags"] for u in declared)
    # Dwell follows interest: visitors stay longer on what they like.
    taste = {u["id"]: set(ds.user_taste(u["id"])) for u in ds.users}
    category = {i["id"]: next(t for t in i["tags"] if t.startswith("category:")) for i in ds.items}
    dwell: dict[bool, list[float]] = defaultdict(list)
    for e in views:
        dwell[category[e["item_id"]] in taste[e["user_id"]]].append(e["value"])
    assert sum(dwell[True]) / len(dwell[True]) > 2 * sum(dwell[False]) / len(dwell[False])


# --- loading --------------------------------------------------------------------------------------


def test_onboarding_answers_match_the_installations_questions() -> None:
    questions = [("interests", "What are you into?", True, [{"id": "design", "label": "Design"},
                                                            {"id": "music", "label": "Music"}]),
                 ("level", "How experienced?", False, [{"id": "beginner", "label": "Just starting"},
                                                       {"id": "pro", "label": "Advanced"}]),
                 ("budget", "How much?", False, [{"id": "low", "label": "Little"}])]
    picks = ["Music", "design", "just starting", "advanced", "figma"]
    assert onboarding_answers(picks, questions) == {"interests": ["design", "music"], "level": "beginner"}
    assert onboarding_answers(["cooking"], questions) == {}


@pytest.mark.parametrize("name", APPS)
def test_application_world_loads_through_the_public_api_and_feeds(name: str, fresh_db: str) -> None:
    from rich.console import Console

    # A history that ends now, as `pgrec demo` loads it: feeds are read at the database's clock.
    ds = generate_world(name, DemoSize(items=120, users=80, events=1500, days=45, seed=5), now=datetime.now(timezone.utc))
    timings = load_dataset(fresh_db, ds, console=Console(file=open(os.devnull, "w")))
    assert timings["events"] == ds.size.events
    items = {i["id"]: i for i in ds.items}
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("SELECT count(*) FROM pgrec.items").fetchone()[0] == len(items)
        # The quiz was answered through rec.submit_onboarding for (nearly) everyone who took it.
        answered = conn.execute("SELECT count(DISTINCT user_id) FROM pgrec.onboarding_answers").fetchone()[0]
        assert answered >= 0.8 * len(ds.onboarding)
        if name == "explore":  # its own quiz, and the follows, through rec.follow and rec.unfollow
            asked = {r[0] for r in conn.execute("SELECT DISTINCT q.questionnaire FROM pgrec.onboarding_answers a "
                                                "JOIN pgrec.onboarding_questions q USING (question_id)")}
            assert asked == {"explore"}
            on = conn.execute("SELECT count(*) FILTER (WHERE unfollowed_at IS NULL), count(*) FROM pgrec.follows").fetchone()
            assert on == (sum(f["unfollowed_at"] is None for f in ds.follows), len(ds.follows))
        active = Counter(e["user_id"] for batch in ds.events() for e in batch).most_common(1)[0][0]
        assert conn.execute("SELECT count(*) FROM rec.feed(%s, 10)", (active,)).fetchone()[0] == 10
        # Learning paths and consent arrived through rec.upsert_paths and rec.upsert_consents.
        assert conn.execute("SELECT count(*) FROM rec.paths()").fetchone()[0] == len(ds.paths)
        withdrawn = {(c["user_id"], c["purpose"]) for c in ds.consents if not c["granted"]}
        assert conn.execute("""SELECT count(*) FROM pgrec.consents c JOIN pgrec.users u ON u.id = c.user_id
                               WHERE NOT c.granted""").fetchone()[0] == len(withdrawn)
        if name == "learning":
            learner = next(u for u, p in withdrawn if p == "personalization")
            assert conn.execute("SELECT rec.profile(%s) ->> 'personalized'", (learner,)).fetchone()[0] == "false"
            path = ds.paths[0]["id"]
            progress = conn.execute("SELECT rec.path_progress(%s, %s)", (active, path)).fetchone()[0]
            assert progress["total"] == len(ds.paths[0]["modules"])
        if name == "marketplace":  # declared preferences arrived: every seeker's distance limit holds
            shown = 0
            for seeker in (u for u in ds.users if u.get("preferences", {}).get("max_distance_km") and u["location"]):
                limit = seeker["preferences"]["max_distance_km"]
                feed = [r[0] for r in conn.execute("SELECT item_id FROM rec.feed(%s, 20)", (seeker["id"],))]
                assert all(items[i]["location"] is None or km(seeker["location"], items[i]["location"]) <= limit
                           for i in feed), seeker
                shown += len(feed)
            assert shown
