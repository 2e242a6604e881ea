"""rec.learning_path: prerequisites, progress, difficulty, cycles, validation."""

from __future__ import annotations

import pytest

from tests.helpers import ago, at, query, sqlstate_of, track, upsert_items


def path(conn, user, items) -> list[tuple]:
    return query(conn, "SELECT step, item_id, score, reasons FROM rec.learning_path(%s, %s)", (user, items))


def step_ids(result) -> list[str]:
    return [r[1] for r in result]


@pytest.fixture
def catalogue(conn):
    at(conn)
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
