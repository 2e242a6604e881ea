"""rec.next_items: what to do next after the latest items."""

from __future__ import annotations

import pytest

from tests.helpers import ago, assert_ranked, at, query, refresh, sqlstate_of, track, upsert_items


def next_items(conn, user, n=10) -> list[tuple]:
    return query(conn, "SELECT item_id, score, reasons FROM rec.next_items(%s, %s)", (user, n))


@pytest.fixture
def course(conn):
    """Three walkers did l1 -> l2 -> l3 in order; one also wandered to x after l1, once."""
    at(conn)
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
    pairs = query(course, "SELECT a.external_id, b.external_id, t.users, round(t.score::numeric, 2) "
                         "FROM pgrec.item_transitions t JOIN pgrec.items a ON a.id = t.item_id "
                         "JOIN pgrec.items b ON b.id = t.next_item_id ORDER BY 1, 2")
    # l1 -> x was made by one user only: not kept, but it counts in l1's total (3 of 4 went to l2).
    assert pairs == [("l1", "l2", 3, 0.75), ("l2", "l3", 3, 1.0)]


def test_next_after_the_latest_item(course) -> None:
    track(course, [{"user_id": "learner", "item_id": "l1", "type": "complete", "at": ago(hours=5)}])
    result = next_items(course, "learner")
    assert [r[0] for r in result][0] == "l2"
    assert result[0][2]["reasons"][0] == "what others did next after L1"
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
