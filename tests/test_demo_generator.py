"""The demo data generator: deterministic, well-formed, and with real planted structure.

Pure Python, no database. One small dataset is generated per module and shared.
"""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone

import pytest

from app.demo import EVENT_TYPES, POSITIVE_EVENT_TYPES, Dataset, DemoSize, generate

SIZE = DemoSize(items=1000, users=300, events=40_000, days=60, seed=7)
SMALL = DemoSize(items=200, users=80, events=3000, days=30, seed=3)


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return generate(SIZE)


@pytest.fixture(scope="module")
def events(ds: Dataset) -> list[dict]:
    return [event for batch in ds.events() for event in batch]


@pytest.fixture(scope="module")
def items(ds: Dataset) -> dict[str, dict]:
    return {item["id"]: item for item in ds.items}


def at(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    assert parsed.utcoffset() == timedelta(0), value
    return parsed


def category(item: dict) -> str:
    return next(tag for tag in item["tags"] if tag.startswith("category:"))


def km(a: dict, b: dict) -> float:
    p1, p2 = math.radians(a["lat"]), math.radians(b["lat"])
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b["lon"] - a["lon"]) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def plain_json(value: object) -> bool:
    """Only builtin JSON types (no numpy scalars hiding behind float/int subclasses)."""
    if type(value) in (str, int, float, bool, type(None)):
        return True
    if type(value) is list:
        return all(plain_json(v) for v in value)
    if type(value) is dict:
        return all(type(k) is str and plain_json(v) for k, v in value.items())
    return False


# --- determinism ----------------------------------------------------------------------


def test_same_seed_gives_identical_output() -> None:
    a, b = generate(SMALL), generate(SMALL)
    assert a.items == b.items and a.users == b.users and a.now == b.now
    assert next(a.events(500)) == next(b.events(500))
    # Replaying the same dataset twice gives the same history too.
    assert list(a.events()) == list(b.events())


def test_different_seed_differs() -> None:
    a = generate(SMALL)
    b = generate(DemoSize(items=SMALL.items, users=SMALL.users, events=SMALL.events, days=SMALL.days, seed=4))
    assert a.items != b.items
    assert next(a.events(500)) != next(b.events(500))


def test_batch_size_changes_batching_only() -> None:
    dataset = generate(SMALL)
    by_7 = list(dataset.events(batch_size=7))
    assert all(len(batch) == 7 for batch in by_7[:-1]) and 1 <= len(by_7[-1]) <= 7
    assert [e for batch in by_7 for e in batch] == [e for batch in dataset.events(5000) for e in batch]


def test_custom_now_must_be_aware_and_ends_the_history() -> None:
    with pytest.raises(ValueError):
        generate(SMALL, now=datetime(2025, 6, 1))
    dataset = generate(SMALL, now=datetime(2025, 6, 1, 12, tzinfo=timezone(timedelta(hours=2))))
    assert dataset.now == datetime(2025, 6, 1, 10, tzinfo=timezone.utc)
    times = [at(e["at"]) for batch in dataset.events() for e in batch]
    assert dataset.now - timedelta(days=SMALL.days) <= min(times) and max(times) <= dataset.now


# --- events: count, order, validity -----------------------------------------------------


def test_exact_count_and_sequential_ids(events: list[dict]) -> None:
    assert len(events) == SIZE.events
    assert [e["event_id"] for e in events] == [f"e{n:09d}" for n in range(1, SIZE.events + 1)]


def test_events_are_time_ordered_and_valid(ds: Dataset, events: list[dict], items: dict[str, dict]) -> None:
    users = {user["id"]: user for user in ds.users}
    start = ds.now - timedelta(days=SIZE.days)
    previous = start
    for e in events:
        when = at(e["at"])
        item, user = items[e["item_id"]], users[e["user_id"]]  # every reference exists
        assert previous <= when <= ds.now
        assert when >= at(item["created_at"]), e
        assert item["expires_at"] is None or when <= at(item["expires_at"]), e
        assert when >= at(user["created_at"]), e
        assert item["creator_id"] != e["user_id"], e
        assert e["type"] in EVENT_TYPES
        if e["type"] == "rate":
            assert e["value"] in (1.0, 2.0, 3.0, 4.0, 5.0)
        else:
            assert e["value"] is None
        assert e["context"] is None or e["context"]["source"] in ("feed", "search", "explore")
        previous = when
    assert plain_json(events[:1000])


# --- catalogue shapes -------------------------------------------------------------------


def test_item_shapes(ds: Dataset, items: dict[str, dict]) -> None:
    assert list(items) == [f"i{n}" for n in range(1, SIZE.items + 1)]
    user_ids = {user["id"] for user in ds.users}
    for item in ds.items:
        typed = Counter(tag.split(":", 1)[0] for tag in item["tags"] if ":" in tag)
        plain = [tag for tag in item["tags"] if ":" not in tag]
        assert typed["category"] == 1 and 1 <= typed["tool"] <= 2 and 1 <= typed["topic"] <= 3, item["tags"]
        assert set(typed) <= {"category", "tool", "topic"} and len(plain) <= 1
        assert item["creator_id"] in user_ids
        assert item["title"] and item["description"]
        assert at(item["created_at"]) <= ds.now
        assert item["attributes"]["kind"] in ("project", "lesson", "listing")
        assert 1 <= item["attributes"]["level"] <= 5
        assert item["status"] in ("active", "hidden", "archived")
        assert item["location"] is None or set(item["location"]) == {"lat", "lon"}
        assert item["price"] is None or item["price"] > 0
    shares = {
        "location": sum(i["location"] is not None for i in ds.items) / SIZE.items,
        "price": sum(i["price"] is not None for i in ds.items) / SIZE.items,
        "inactive": sum(i["status"] != "active" for i in ds.items) / SIZE.items,
    }
    assert 0.6 < shares["location"] < 0.8 and 0.5 < shares["price"] < 0.7 and shares["inactive"] < 0.05, shares
    assert plain_json(ds.items) and json.loads(json.dumps(ds.items)) == ds.items


def test_items_in_a_cluster_share_words(ds: Dataset) -> None:
    words: dict[str, Counter[str]] = defaultdict(Counter)
    for item in ds.items:
        words[category(item)].update(set(f"{item['title']} {item['description']}".lower().split()))
    # A cluster's most common content word appears in many of its items and rarely elsewhere.
    for cat, counts in words.items():
        size = sum(category(i) == cat for i in ds.items)
        word, n = next((w, n) for w, n in counts.most_common() if len(w) > 4 and not any(
            w in other for c, other in words.items() if c != cat))
        assert n / size > 0.2, (cat, word, n, size)


def test_lessons_form_ordered_courses(ds: Dataset) -> None:
    courses: dict[str, list[dict]] = defaultdict(list)
    for item in ds.items:
        if item["attributes"]["kind"] == "lesson":
            courses[item["attributes"]["course"]].append(item)
    assert courses
    for lessons in courses.values():
        lessons.sort(key=lambda i: i["attributes"]["sequence"])
        assert [i["attributes"]["sequence"] for i in lessons] == list(range(1, len(lessons) + 1))
        assert len({(i["creator_id"], category(i)) for i in lessons}) == 1
        assert all(at(a["created_at"]) <= at(b["created_at"]) for a, b in zip(lessons, lessons[1:]))


def test_user_shapes_and_declared_preferences(ds: Dataset) -> None:
    assert [u["id"] for u in ds.users] == [f"u{n}" for n in range(1, SIZE.users + 1)]
    declared = [u for u in ds.users if "preferences" in u]
    assert 0.2 < len(declared) / SIZE.users < 0.4
    for user in declared:
        prefs, taste = user["preferences"], ds.user_taste(user["id"])
        top = [tag for tag, weight in prefs["preferred_tags"].items() if weight == 1.0]
        assert top == [taste[0]]  # the strongest stated interest is the main latent cluster
        assert not set(prefs["blocked_tags"]) & set(taste)
        assert set(prefs) <= {"preferred_tags", "blocked_tags", "max_distance_km", "price_min", "price_max"}
    assert all(1 <= len(ds.user_taste(u["id"])) <= 3 for u in ds.users)
    assert plain_json(ds.users) and json.loads(json.dumps(ds.users)) == ds.users
    with pytest.raises(KeyError):
        ds.user_taste("u0")


# --- planted structure ------------------------------------------------------------------


def test_in_taste_positive_rate_is_much_higher(ds: Dataset, events: list[dict], items: dict[str, dict]) -> None:
    taste = {u["id"]: set(ds.user_taste(u["id"])) for u in ds.users}
    positive, total = Counter[bool](), Counter[bool]()
    for e in events:
        in_taste = category(items[e["item_id"]]) in taste[e["user_id"]]
        total[in_taste] += 1
        positive[in_taste] += e["type"] in POSITIVE_EVENT_TYPES
    rate_in, rate_out = positive[True] / total[True], positive[False] / total[False]
    assert rate_in >= 3 * rate_out, (rate_in, rate_out)
    assert 0.6 < total[True] / len(events) < 0.95  # mostly in-taste, with real noise


def test_declared_limits_are_respected(ds: Dataset, events: list[dict], items: dict[str, dict]) -> None:
    prefs = {u["id"]: (u["preferences"], u["location"]) for u in ds.users if "preferences" in u}
    for e in events:
        if e["type"] not in POSITIVE_EVENT_TYPES or e["user_id"] not in prefs:
            continue
        (p, home), item = prefs[e["user_id"]], items[e["item_id"]]
        assert category(item) not in p["blocked_tags"]
        if "max_distance_km" in p and item["location"]:
            assert km(home, item["location"]) <= p["max_distance_km"]
        if item["price"] is not None:
            assert p.get("price_min", 0) <= item["price"] <= p.get("price_max", math.inf)


def test_popularity_and_activity_are_skewed(events: list[dict]) -> None:
    per_item = sorted(Counter(e["item_id"] for e in events).values(), reverse=True)
    assert sum(per_item[: SIZE.items // 10]) > 0.4 * len(events)
    per_user = sorted(Counter(e["user_id"] for e in events).values(), reverse=True)
    assert sum(per_user[: SIZE.users // 10]) > 0.3 * len(events)


def test_a_few_new_items_are_trending(ds: Dataset, events: list[dict], items: dict[str, dict]) -> None:
    trending = {i for i, item in items.items() if at(item["created_at"]) >= ds.now - timedelta(days=3)}
    assert 1 <= len(trending) <= 0.01 * SIZE.items
    cutoff = ds.now - timedelta(days=2)
    recent = [e for e in events if at(e["at"]) >= cutoff]
    lifetime, last_days = Counter(e["item_id"] for e in events), Counter(e["item_id"] for e in recent)
    for item_id in trending:
        assert last_days[item_id] / len(recent) > 10 * lifetime[item_id] / len(events) > 0, item_id
    # Together they take a large slice of recent attention and rank near the top of it.
    assert sum(last_days[i] for i in trending) > 0.05 * len(recent)
    rank = {item_id: r for r, (item_id, _) in enumerate(last_days.most_common())}
    assert statistics.median(rank[i] for i in trending) < 0.1 * len(last_days)


def test_courses_are_completed_in_order(events: list[dict], items: dict[str, dict]) -> None:
    progress: dict[tuple[str, str], list[int]] = defaultdict(list)
    for e in events:
        attributes = items[e["item_id"]]["attributes"]
        if e["type"] == "complete" and attributes["kind"] == "lesson":
            progress[e["user_id"], attributes["course"]].append(attributes["sequence"])
    steps = Counter(b - a for seq in progress.values() for a, b in zip(seq, seq[1:]))
    assert steps.most_common(1)[0][0] == 1
    assert steps[1] > 0.5 * sum(steps.values()), steps
