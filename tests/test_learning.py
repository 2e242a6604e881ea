"""The learning platform in SQL: paths as data and a learner's progress through them, adaptive
difficulty (its formula, and as a signal the feeds weigh), recommendation types, achievements."""

from __future__ import annotations

import json
import math

import pytest

from tests.helpers import NOW, ago, at, call, query, sqlstate_of, track, upsert_items, upsert_users


def lesson(lid: str, module: str, seq: int, level: int, minutes: int = 10, after: list[str] | None = None) -> dict:
    return {"id": lid, "title": f"Lesson {lid}", "tags": ["category:python", f"level:l{level}"],
            "attributes": {"type": "lesson", "module": module, "sequence": seq, "level": level,
                           "duration_minutes": minutes, "prerequisites": after or []}}


CATALOGUE = [
    {"id": "m1", "title": "Basics", "tags": ["category:python"], "attributes": {"type": "module", "level": 1}},
    {"id": "m2", "title": "Functions", "tags": ["category:python"],
     "attributes": {"type": "module", "level": 2, "prerequisites": ["m1"]}},
    {"id": "m3", "title": "Projects", "tags": ["category:python"], "attributes": {"type": "module", "level": 3,
                                                                                  "duration_minutes": 90}},
    lesson("a1", "m1", 1, 1), lesson("a2", "m1", 2, 1, after=["a1"]), lesson("a3", "m1", 3, 1, after=["a2"]),
    lesson("b1", "m2", 1, 2, 20), lesson("b2", "m2", 2, 2, 20, after=["b1"]),
    {"id": "hard", "title": "Metaclasses", "tags": ["category:python"], "attributes": {"type": "lesson", "level": 5}},
    {"id": "mid", "title": "Decorators", "tags": ["category:python"], "attributes": {"type": "lesson", "level": 3}},
    {"id": "easy", "title": "Print", "tags": ["category:python"], "attributes": {"type": "lesson", "level": 1}},
    {"id": "course", "title": "Python course", "tags": ["category:python"], "attributes": {"type": "course", "level": 1}},
]


@pytest.fixture
def school(conn):
    at(conn)
    upsert_items(conn, CATALOGUE)
    upsert_users(conn, [{"id": "ana", "attributes": {"level": 1, "pace": "relaxed"}},
                        {"id": "ivy", "attributes": {"level": 2, "pace": "intensive"}}])
    call(conn, "upsert_paths", [{"id": "py", "title": "Python", "modules": ["m1", "m2", {"id": "m3", "prerequisites": ["m2"]}]}])
    return conn


def progress(conn, user: str, path: str = "py") -> dict:
    return conn.execute("SELECT rec.path_progress(%s, %s)", (user, path)).fetchone()[0]


def complete(conn, user: str, item: str, score: float | None = None, hours: float = 1, **extra) -> None:
    track(conn, [{"user_id": user, "item_id": item, "type": "complete", "at": ago(hours=hours),
                  **({"value": score} if score is not None else {}), **extra}])


# --- paths -------------------------------------------------------------------------------------

def test_paths_are_data(school) -> None:
    assert query(school, "SELECT path_id, title, modules FROM rec.paths()") == [("py", "Python", ["m1", "m2", "m3"])]
    # Keys left out keep their values; modules given replace the stored ones.
    assert call(school, "upsert_paths", [{"id": "py", "description": "From zero"}]) == 1
    assert query(school, "SELECT title, description, modules FROM rec.paths()") == [("Python", "From zero", ["m1", "m2", "m3"])]
    call(school, "upsert_paths", [{"id": "py", "modules": ["m1", "m3"]}])
    assert query(school, "SELECT modules FROM rec.paths()") == [(["m1", "m3"],)]


@pytest.mark.parametrize(("paths", "state", "message"), [
    ([{"id": "x", "modules": ["m1", "ghost"]}], "P0002", 'paths[0].modules[1]: unknown item "ghost"'),
    ([{"id": "x", "modules": [{"id": "m1", "prerequisites": ["ghost"]}]}], "P0002", "paths[0].modules[0]: unknown item"),
    ([{"id": "x", "modules": ["m1", "m1"]}], "22023", 'paths[0] (id "x"): modules[0] "m1" appears more than once'),
    ([{"id": "x", "modules": ["m2", "m1"]}], "22023", 'paths[0] (id "x"): modules[0]: "m2" needs "m1"'),
    ([{"id": "x", "modules": [{"id": "m1", "prerequisites": ["m3"]}, "m3"]}], "22023", "paths[0] (id \"x\"): modules[0]"),
    ([{"id": "x"}], "22004", 'paths[0] (id "x"): modules is required for a new path'),
    ([{"id": "x", "modules": []}], "22023", "paths[0] (id \"x\"): modules must be an array of 1 to 200"),
    ([{"id": "x", "modules": [3]}], "22023", "paths[0] (id \"x\"): modules[0] must be an item id"),
    ([{"id": "x", "modules": [{"id": "m1", "after": []}]}], "22023", "paths[0] (id \"x\"): modules[0] unknown keys"),
    ([{"id": "x", "modules": ["m1"], "colour": 1}], "22023", 'paths[0] (id "x"): unknown keys'),
    ([{"id": "x", "modules": ["m1"]}, {"id": "x", "modules": ["m1"]}], "22023", "paths[0]"),
    ({"id": "x"}, "22023", "paths must be a JSON array"),
])
def test_bad_paths_are_refused_whole_naming_the_element(school, paths, state: str, message: str) -> None:
    error = sqlstate_of(school, lambda: call(school, "upsert_paths", paths))
    assert error.sqlstate == state and error.diag.message_primary.startswith(message), error.diag.message_primary
    assert query(school, "SELECT count(*) FROM rec.paths()") == [(1,)]


def test_progress_through_a_path(school) -> None:
    start = progress(school, "ana")
    assert [(m["item_id"], m["status"]) for m in start["modules"]] == [("m1", "ready"), ("m2", "locked"), ("m3", "locked")]
    assert start["modules"][1]["missing_prerequisites"] == ["m1"]
    assert start["next"] == {"module": "m1", "lessons": ["a1"], "reason": "the first module whose prerequisites are done"}
    assert start["pace"] == {"name": "relaxed", "lessons_per_session": 1, "minutes_per_day": 15, "declared": True}
    # m1 30 + m2 40 + m3 90 minutes, at 15 a day.
    assert (start["minutes_left"], start["days_left"], start["completed"], start["progress"]) == (160, 11, 0, 0)

    complete(school, "ana", "a1", 80)
    mid = progress(school, "ana")
    assert mid["modules"][0]["status"] == "in_progress" and mid["modules"][0]["lessons_done"] == 1
    assert mid["next"]["lessons"] == ["a2"] and mid["next"]["reason"] == "continue the module in progress"

    complete(school, "ana", "a2", 90)
    complete(school, "ana", "a3", 100)  # every lesson done: the module is done
    done = progress(school, "ana")
    m1 = done["modules"][0]
    assert (m1["status"], m1["score"], m1["lessons_done"]) == ("completed", 90, 3)
    assert [m["status"] for m in done["modules"]] == ["completed", "ready", "locked"]
    assert done["next"]["module"] == "m2" and done["completed"] == 1 and math.isclose(done["progress"], 1 / 3, abs_tol=1e-3)

    complete(school, "ana", "m2", 75)  # a module's own completion counts too
    late = progress(school, "ana")
    assert [m["status"] for m in late["modules"]] == ["completed", "completed", "ready"]
    assert late["modules"][1]["score"] == 75
    assert late["next"] == {"module": "m3", "lessons": ["m3"], "reason": "the first module whose prerequisites are done"}
    complete(school, "ana", "m3", 60)
    assert progress(school, "ana")["next"] is None and progress(school, "ana")["progress"] == 1


def test_the_next_lessons_follow_the_learners_pace(school) -> None:
    # Intensive: four lessons a session, into the next ready module when this one has fewer left.
    assert progress(school, "ivy")["next"]["lessons"] == ["a1", "a2", "a3"]
    complete(school, "ivy", "a1", 90)
    complete(school, "ivy", "m1", 90)
    nxt = progress(school, "ivy")["next"]
    assert nxt["module"] == "m2" and nxt["lessons"] == ["b1", "b2"]
    # A learner without a pace gets the default one.
    assert progress(school, "someone")["pace"] == {"name": "steady", "lessons_per_session": 2, "minutes_per_day": 30,
                                                   "declared": False}
    assert sqlstate_of(school, lambda: progress(school, "ana", "no-path")).sqlstate == "P0002"


# --- adaptive difficulty --------------------------------------------------------------------------

def difficulty(conn, user: str) -> dict:
    return conn.execute("SELECT rec.recommended_difficulty(%s)", (user,)).fetchone()[0]


def test_the_difficulty_formula(school) -> None:
    assert difficulty(school, "nobody")["basis"] == "none" and difficulty(school, "nobody")["target"] is None
    assert (difficulty(school, "ana")["basis"], difficulty(school, "ana")["target"]) == ("declared level", 1)
    # Newest first: weights 1, 0.8. Level 2 at 100 in the estimated time: 2 + 2.5 x 0.3 = 2.75.
    # Level 1 at 70 in twice the estimate (context.minutes_spent): 1 + 0 - 0.5 x 1 = 0.5.
    complete(school, "ana", "a1", 70, hours=3, context={"minutes_spent": 20})
    track(school, [{"user_id": "ana", "item_id": "b1", "type": "view", "at": ago(hours=2)}])
    complete(school, "ana", "b1", 100, hours=2 - 20 / 60)  # 20 minutes after opening it: the estimate
    result = difficulty(school, "ana")
    assert result["basis"] == "recent scores"
    assert [(r["item_id"], r["suggestion"], r["weight"]) for r in result["recent"]] == [("b1", 2.75, 1), ("a1", 0.5, 0.8)]
    assert math.isclose(result["recent"][0]["minutes"], 20, abs_tol=0.1)
    assert math.isclose(result["target"], (2.75 + 0.8 * 0.5) / 1.8, abs_tol=1e-3)
    # The target stays within the level range however well a learner scores.
    for k, item in enumerate(["hard", "mid", "easy"]):
        complete(school, "ivy", item, 100, hours=1 + k)
    assert difficulty(school, "ivy")["target"] <= 5
    # Without scores, half a level above what they completed or rated 4 or more.
    complete(school, "max", "mid")
    assert (difficulty(school, "max")["basis"], difficulty(school, "max")["target"]) == ("levels completed", 3.5)


def test_feeds_prefer_items_near_the_recommended_difficulty(school) -> None:
    upsert_users(school, [{"id": "ana", "preferences": {"preferred_tags": {"category:python": 1}}}])
    complete(school, "ana", "a1", 95, hours=2)
    complete(school, "ana", "a2", 95, hours=1)  # target about 1.6: the level-1 and level-2 items fit

    def ranked(user, **kw):
        sql = "SELECT item_id, reasons FROM rec.feed(%s, 20, type => %s)"
        return query(school, sql, (user, kw.get("type", "content-based")))

    rows = ranked("ana")
    order = [i for i, _ in rows]
    assert order.index("b1") < order.index("mid") < order.index("hard")
    terms = {i: r["terms"] for i, r in rows}
    assert terms["b1"]["difficulty"] > terms["mid"]["difficulty"] > terms["hard"]["difficulty"]
    # The signal is a weight in the strategy, and drops out (weights rescaled) without a target.
    assert all("difficulty" not in r["terms"] for _, r in ranked("visitor-without-levels"))
    assert sum(query(school, "SELECT (reasons -> 'terms' ->> 'difficulty')::float8 FROM rec.feed('ana', 5, "
                             "weights => '{\"difficulty\": 1}')")[0]) > 0


def test_recommendation_types_are_feed_strategies(school) -> None:
    types = dict(query(school, "SELECT type, strategy FROM rec.recommendation_types()"))
    assert types == {"content-based": "content_based", "collaborative": "collaborative", "trending": "trending_now",
                     "sequential": "sequential"}
    for type_, strategy in types.items():
        by_type = query(school, "SELECT item_id, score FROM rec.feed('ana', 10, type => %s)", (type_,))
        by_strategy = query(school, "SELECT item_id, score FROM rec.feed('ana', 10, strategy => %s)", (strategy,))
        assert by_type == by_strategy
    for args, state in [("type => 'no-such'", "22023"), ("type => 'sequential', strategy => 'default'", "22023")]:
        assert sqlstate_of(school, lambda: school.execute(f"SELECT * FROM rec.feed('ana', {args})").fetchall()).sqlstate == state


def test_learning_path_orders_by_the_same_target(school) -> None:
    complete(school, "ana", "a1", 100, hours=2)
    complete(school, "ana", "b1", 100, hours=1)  # target about 2.6
    target = difficulty(school, "ana")["target"]
    steps = query(school, "SELECT item_id, score FROM rec.learning_path('ana', ARRAY['hard', 'easy', 'mid'])")
    assert [s[0] for s in steps] == ["mid", "easy", "hard"]
    assert math.isclose(dict(steps)["mid"], math.exp(-abs(3 - target)), abs_tol=1e-3)  # target shown to 3 places


# --- achievements ---------------------------------------------------------------------------------

def achievements(conn, user: str) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in query(conn, "SELECT achievement, progress, target, unlocked, unlocked_at, claimed_at, details "
                                             "FROM rec.achievements(%s)", (user,))}


def test_achievements_are_computed_from_events(school) -> None:
    assert {a: (p, u) for a, (p, _, u, *_) in achievements(school, "nobody").items()} == {
        a: (0, False) for a in achievements(school, "nobody")}
    school.execute("SET TimeZone = 'UTC'")
    for day in range(3):  # three days in a row, two lessons on the last day
        complete(school, "ana", ["a1", "a2", "b1"][day], 85, hours=24 * (2 - day) + 1)
    complete(school, "ana", "b2", 70, hours=0.5)
    complete(school, "ana", "course", None, hours=0.25)
    track(school, [{"user_id": "ana", "item_id": "course", "type": "rate", "value": 5, "at": ago(hours=0.2)}])
    got = achievements(school, "ana")
    assert got["first_lesson"][:3] == (1, 1, True)
    assert got["first_lesson"][3].isoformat() == ago(hours=49).replace("+00:00", "+00:00")
    assert got["ten_lessons"][:3] == (4, 10, False) and got["ten_lessons"][3] is None
    assert got["first_course"][:3] == (1, 1, True)
    assert got["streak_3"][:3] == (3, 3, True)
    assert got["streak_3"][3].isoformat() == ago(hours=1)  # the first event of the third day
    assert got["streak_7"][:3] == (3, 7, False)
    assert got["subject_master"][:3] == (3, 10, False)  # three lessons at 80 or more (b2 scored 70)
    assert got["subject_master"][5] == {"tag": "category:python"}
    assert got["first_rating"][:3] == (1, 1, True)


def test_claiming_an_achievement_records_it_once(school) -> None:
    complete(school, "ana", "a1", 85)

    def claim(name):
        return school.execute("SELECT rec.claim_achievement('ana', %s)", (name,)).fetchone()[0]

    first = claim("first_lesson")
    assert first["claimed"] is True and first["unlocked_at"] and first["claimed_at"] == NOW.isoformat()
    assert claim("first_lesson") == {**first, "claimed": False}
    assert achievements(school, "ana")["first_lesson"][4] is not None
    error = sqlstate_of(school, lambda: claim("ten_lessons"))
    assert error.sqlstate == "22023" and "1 of 10" in error.diag.message_primary
    assert sqlstate_of(school, lambda: claim("no_such")).sqlstate == "P0002"
    assert sqlstate_of(school, lambda: school.execute("SELECT rec.claim_achievement('nobody', 'first_lesson')")).sqlstate == "22023"
    school.execute("UPDATE pgrec.achievements SET target = 2 WHERE name = 'first_lesson'")  # definitions are data
    assert achievements(school, "ana")["first_lesson"][:3] == (1, 2, False)
    assert json.dumps(first)  # the claim is plain JSON for the host app
