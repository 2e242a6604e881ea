"""rec.next_items and rec.learning_path (issue 4)."""

from __future__ import annotations

import pytest

from tests.support import refresh, sqlstate_of
from tests.test_feeds_support import ago, assert_ranked, at_now, rows, track, upsert_items


def next_items(conn, user, n=10) -> list[tuple]:
    return rows(conn, "SELECT item_id, score, reasons FROM rec.next_items(%s, %s)", (user, n))


def path(conn, user, items) -> list[tuple]:
    return rows(conn, "SELECT step, item_id, score, reasons FROM rec.learning_path(%s, %s)", (user, items))


def step_ids(result) -> list[str]:
    return [r[1] for r in result]


@pytest.fixture
def course(conn):
    """Three walkers did l1 -> l2 -> l3 in order; one also wandered to x after l1, once."""
    at_now(conn)
    upsert_items(conn, [{"id": i, "title": i.upper(), "created_at": ago(days=30)} for i in ("l1", "l2", "l3", "x")])
    events = []
    for k in range(3):
        events += [{"user_id": f"walker{k}", "item_id": item, "type": "complete", "at": ago(days=10 - k, hours=-h)}
                   for h, item in enumerate(("l1", "l2", "l3"))]
    events += [{"user_id": "wanderer", "item_id": "l1", "type": "view", "at": ago(days=5)},
               {"user_id": "wanderer", "item_id": "x", "type": "view", "at": ago(days=5, hours=-1)}]
    track(conn, events)
    refresh(conn)
    return conn


def test_transitions_are_refreshed_from_event_sequences(course) -> None:
    pairs = rows(course, "SELECT a.external_id, b.external_id, t.users, round(t.score::numeric, 2) "
                         "FROM pgrec.item_transitions t JOIN pgrec.items a ON a.id = t.item_id "
                         "JOIN pgrec.items b ON b.id = t.next_item_id ORDER BY 1, 2")
    # l1 -> x was made by one user only: not kept, but it counts in l1's total (3 of 4 went to l2).
    assert pairs == [("l1", "l2", 3, 0.75), ("l2", "l3", 3, 1.0)]


def test_next_after_the_latest_item(course) -> None:
    track(course, [{"user_id": "learner", "item_id": "l1", "type": "complete", "at": ago(hours=5)}])
    result = next_items(course, "learner")
    assert [r[0] for r in result][0] == "l2"
    assert result[0][2]["reasons"] == ["what others did next after L1"]
    assert set(result[0][2]["terms"]) == {"sequence", "collaborative"}
    assert_ranked(result)
    track(course, [{"user_id": "learner", "item_id": "l2", "type": "complete", "at": ago(hours=1)}])
    assert [r[0] for r in next_items(course, "learner")][0] == "l3"
    assert "l1" not in [r[0] for r in next_items(course, "learner")]


def test_a_view_alone_does_not_exclude_but_a_dismissal_does(course) -> None:
    upsert_items(course, [{"id": f"f{k}", "created_at": ago(days=30)} for k in range(4)])
    # l2 was opened long ago (before the five latest items), never finished: still a next step.
    track(course, [{"user_id": "learner", "item_id": "l2", "type": "view", "at": ago(hours=20)}]
          + [{"user_id": "learner", "item_id": f"f{k}", "type": "complete", "at": ago(hours=10 - k)} for k in range(4)]
          + [{"user_id": "learner", "item_id": "l1", "type": "complete", "at": ago(hours=5)}])
    assert [r[0] for r in next_items(course, "learner")][:1] == ["l2"]
    track(course, [{"user_id": "learner", "item_id": "l2", "type": "dismiss", "at": ago(hours=21)}])
    assert "l2" not in [r[0] for r in next_items(course, "learner")]


def test_no_history_no_rows_and_bad_arguments(course) -> None:
    assert next_items(course, "stranger") == []
    assert sqlstate_of(course, lambda: next_items(course, None)).diag.sqlstate == "22004"
    assert sqlstate_of(course, lambda: next_items(course, "u", 0)).diag.sqlstate == "22023"


@pytest.fixture
def catalogue(conn):
    at_now(conn)
    upsert_items(conn, [
        {"id": "basics", "attributes": {"level": 1}},
        {"id": "joints", "attributes": {"level": 2, "prerequisites": ["basics"]}},
        {"id": "box", "attributes": {"level": 3, "prerequisites": ["joints", "finishing"]}},
        {"id": "finishing", "attributes": {"level": 2, "prerequisites": ["sanding", "no-such-item"]}},
        {"id": "sanding", "attributes": {"level": 1, "prerequisites": ["basics"]}},  # not in the set below
        {"id": "easy", "attributes": {"level": 1}},
        {"id": "medium", "attributes": {"level": 3}},
        {"id": "hard", "attributes": {"level": 5}},
        {"id": "medium_done", "attributes": {"level": 3}},
        {"id": "medium_rated", "attributes": {"level": 3}},
        {"id": "no_level"},
    ])
    return conn


def test_prerequisites_are_respected_also_through_items_outside_the_set(catalogue) -> None:
    result = path(catalogue, "newbie", ["box", "joints", "basics", "finishing"])
    assert step_ids(result) == ["basics", "finishing", "joints", "box"]
    assert [r[0] for r in result] == [1, 2, 3, 4]
    by_id = {r[1]: r[3] for r in result}
    assert by_id["box"]["prerequisites"] == ["finishing", "joints"]
    assert by_id["finishing"]["missing_prerequisites"] == ["sanding"]
    assert by_id["basics"]["status"] == "ready" and by_id["box"]["status"] == "locked"
    assert "also needs sanding (not in this path)" in by_id["finishing"]["reasons"]


def test_completed_items_come_first_and_unlock_the_rest(catalogue) -> None:
    track(catalogue, [{"user_id": "pro", "item_id": i, "type": "complete", "at": ago(days=1)} for i in ("basics", "sanding")])
    result = path(catalogue, "pro", ["finishing", "basics", "joints"])
    assert step_ids(result) == ["basics", "finishing", "joints"]
    statuses = [r[3]["status"] for r in result]
    assert statuses == ["completed", "ready", "ready"]
    assert result[1][3]["missing_prerequisites"] == []


def test_difficulty_matches_the_user_level(catalogue) -> None:
    items = ["hard", "easy", "medium", "no_level"]
    # Without history the easiest level is the target.
    assert step_ids(path(catalogue, "newbie", items)) == ["easy", "no_level", "medium", "hard"]
    track(catalogue, [{"user_id": "skilled", "item_id": "medium_done", "type": "complete", "at": ago(days=2)},
                      {"user_id": "skilled", "item_id": "medium_rated", "type": "rate", "value": 5, "at": ago(days=2)}])
    result = path(catalogue, "skilled", items)
    assert step_ids(result) == ["medium", "no_level", "hard", "easy"]  # target 3.5
    assert result[0][3]["user_level"] == 3
    assert result[0][2] == pytest.approx(2.718281828 ** -0.5)
    assert "right level for you" in result[0][3]["reasons"]


def test_hidden_items_order_the_others_but_are_not_listed(catalogue) -> None:
    upsert_items(catalogue, [{"id": "joints", "status": "hidden"}])
    assert step_ids(path(catalogue, "newbie", ["box", "joints", "basics", "finishing"])) == ["basics", "finishing", "box"]


@pytest.mark.parametrize("graph", [
    {"a": ["b"], "b": ["a"]},
    {"a": ["a"]},
    {"a": ["outside"], "outside": ["c"], "c": ["a"]},
])
def test_cycles_are_rejected(catalogue, graph) -> None:
    upsert_items(catalogue, [{"id": k, "attributes": {"prerequisites": v}} for k, v in graph.items()])
    members = ["a"] if "outside" in graph else sorted(graph)
    error = sqlstate_of(catalogue, lambda: path(catalogue, "u", members + ["easy"]))
    assert error.diag.sqlstate == "22023"


@pytest.mark.parametrize("items, state", [
    (None, "22004"), ([], "22023"), (["easy", None], "22004"), (["easy", "ghost"], "P0002"),
    ([f"i{k}" for k in range(201)], "22023"),
])
def test_bad_item_lists(catalogue, items, state: str) -> None:
    assert sqlstate_of(catalogue, lambda: path(catalogue, "u", items)).diag.sqlstate == state


def test_bad_user(catalogue) -> None:
    assert sqlstate_of(catalogue, lambda: path(catalogue, None, ["easy"])).diag.sqlstate == "22004"
