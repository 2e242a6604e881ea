"""rec.track: exactly-once, validation of the whole batch, implicit users, rec.now replay."""

from __future__ import annotations

import json

import pytest

from tests.helpers import call, sqlstate_of


@pytest.fixture
def items(conn):
    call(conn, "upsert_items", [{"id": "i1"}, {"id": "i2"}])


def event_count(conn) -> int:
    return conn.execute("SELECT count(*) FROM pgrec.events").fetchone()[0]


def test_exactly_once_by_event_id(conn, items) -> None:
    batch = [{"event_id": "e1", "user_id": "u1", "item_id": "i1", "type": "view"},
             {"event_id": "e2", "user_id": "u1", "item_id": "i2", "type": "like"},
             {"user_id": "u2", "item_id": "i1", "type": "click"}]
    assert call(conn, "track", batch) == 3
    before = event_count(conn)
    # The retried batch: keyed events are skipped; an event without event_id cannot be
    # deduplicated and is recorded again, which is why clients should send ids.
    assert call(conn, "track", batch[:2]) == 0
    assert event_count(conn) == before


def test_duplicates_inside_one_batch_count_once(conn, items) -> None:
    e = {"event_id": "dup", "user_id": "u1", "item_id": "i1", "type": "like"}
    assert call(conn, "track", [e, e]) == 1


def test_an_event_id_is_unique_per_user(conn, items) -> None:
    # The same client event id sent for two users is two events; for one user, one.
    batch = [{"event_id": "e1", "user_id": "u1", "item_id": "i1", "type": "like"},
             {"event_id": "e1", "user_id": "u2", "item_id": "i1", "type": "like"}]
    assert call(conn, "track", batch) == 2
    assert call(conn, "track", batch) == 0
    assert conn.execute("SELECT count(*) FROM pgrec.event_ids WHERE event_id = 'e1'").fetchone()[0] == 2


def test_a_retry_without_at_is_recognised_although_its_time_differs(conn, items) -> None:
    # "at" left out means "now", which differs on the retry: the event id alone must catch it,
    # whatever partition the first copy went to.
    event = {"event_id": "no-time", "user_id": "u1", "item_id": "i1", "type": "view"}
    conn.execute("SET LOCAL rec.as_of = '2026-03-31 23:59:00+00'")
    assert call(conn, "track", [event]) == 1
    conn.execute("SET LOCAL rec.as_of = '2026-04-01 00:01:00+00'")
    assert call(conn, "track", [event]) == 0
    assert event_count(conn) == 1


def test_the_first_copy_of_a_repeated_event_in_a_batch_wins(conn, items) -> None:
    first = {"event_id": "twice", "user_id": "u1", "item_id": "i1", "type": "like"}
    second = {**first, "item_id": "i2", "type": "view"}
    assert call(conn, "track", [first, second]) == 1
    assert conn.execute("SELECT i.external_id, e.type FROM pgrec.events e JOIN pgrec.items i ON i.id = e.item_id "
                        "WHERE e.event_id = 'twice'").fetchall() == [("i1", "like")]


def test_unknown_users_are_created(conn, items) -> None:
    call(conn, "track", [{"user_id": "newcomer", "item_id": "i1", "type": "view"}])
    assert conn.execute("SELECT count(*) FROM pgrec.users WHERE external_id = 'newcomer'").fetchone()[0] == 1


def test_at_defaults_to_rec_now_and_as_of_replays(conn, items) -> None:
    conn.execute("SET LOCAL rec.as_of = '2025-03-01 12:00+00'")
    assert conn.execute("SELECT rec.now()").fetchone()[0].isoformat() == "2025-03-01T12:00:00+00:00"
    call(conn, "track", [{"user_id": "u1", "item_id": "i1", "type": "view"}])
    assert conn.execute("SELECT occurred_at::text FROM pgrec.events").fetchone()[0].startswith("2025-03-01 12:00:00")
    conn.execute("SET LOCAL rec.as_of = ''")
    assert conn.execute("SELECT rec.now() = now()").fetchone()[0] is True


def test_rating_value_drives_weight_and_polarity(conn, items) -> None:
    call(conn, "track", [{"user_id": "r", "item_id": "i1", "type": "rate", "value": 5},
                         {"user_id": "r", "item_id": "i2", "type": "rate", "value": 1}])
    rows = dict(conn.execute("SELECT i.external_id, (e.weight, e.polarity)::text FROM pgrec.weighted_events e "
                             "JOIN pgrec.items i ON i.id = e.item_id").fetchall())
    assert rows == {"i1": "(4,1)", "i2": "(-4,-1)"}


def test_unknown_item_names_the_element_and_stores_nothing(conn, items) -> None:
    error = sqlstate_of(conn, lambda: call(conn, "track", [
        {"user_id": "u9", "item_id": "i1", "type": "view"},
        {"user_id": "u9", "item_id": "ghost", "type": "view"}]))
    assert error.diag.sqlstate == "P0002"
    assert "events[1]" in error.diag.message_primary and "ghost" in error.diag.message_primary
    assert event_count(conn) == 0
    assert conn.execute("SELECT count(*) FROM pgrec.users WHERE external_id = 'u9'").fetchone()[0] == 0


@pytest.mark.parametrize("payload, sqlstate", [
    (None, "22004"),
    ({"user_id": "u"}, "22023"),
    ([{"item_id": "i1", "type": "view"}], "22004"),
    ([{"user_id": "u", "type": "view"}], "22004"),
    ([{"user_id": "u", "item_id": "i1"}], "22004"),
    ([{"user_id": "", "item_id": "i1", "type": "view"}], "22023"),
    ([{"user_id": "u", "item_id": "i1", "type": "teleport"}], "22023"),
    ([{"user_id": "u", "item_id": "i1", "type": "rate"}], "22023"),
    ([{"user_id": "u", "item_id": "i1", "type": "view", "value": "1"}], "22023"),
    ([{"user_id": "u", "item_id": "i1", "type": "view", "at": "soon"}], "22023"),
    ([{"user_id": "u", "item_id": "i1", "type": "view", "at": "2999-01-01T00:00:00Z"}], "22023"),
    ([{"user_id": "u", "item_id": "i1", "type": "view", "context": "feed"}], "22023"),
    ([{"user_id": "u", "item_id": "i1", "type": "view", "extra": 1}], "22023"),
])
def test_bad_input_is_rejected_whole(conn, items, payload, sqlstate) -> None:
    good = {"user_id": "u", "item_id": "i2", "type": "like"}
    batch = payload if not isinstance(payload, list) else [good] + payload
    error = sqlstate_of(conn, lambda: conn.execute(
        "SELECT rec.track(%s::jsonb)", (None if batch is None else json.dumps(batch),)))
    assert error.diag.sqlstate == sqlstate
    assert event_count(conn) == 0
