"""rec.upsert_users: preferences, partial updates, validation."""

from __future__ import annotations

import json

import pytest

from tests.helpers import call, sqlstate_of


def prefs(conn, user: str) -> dict:
    rows = conn.execute(
        "SELECT t.name, ut.weight, ut.blocked FROM pgrec.user_tags ut JOIN pgrec.users u ON u.id = ut.user_id "
        "JOIN pgrec.tags t ON t.id = ut.tag_id WHERE u.external_id = %s", (user,)).fetchall()
    return {name: ("blocked" if blocked else weight) for name, weight, blocked in rows}


def test_preferences_object_and_list_forms(conn) -> None:
    assert call(conn, "upsert_users", [
        {"id": "ana", "preferences": {"preferred_tags": {"tool:figma": 2, "category:design": 0.5},
                                      "blocked_tags": ["topic:crypto"]}},
        {"id": "bo", "preferences": {"preferred_tags": ["tool:python", "topic:ml"]}}]) == 2
    assert prefs(conn, "ana") == {"tool:figma": 2, "category:design": 0.5, "topic:crypto": "blocked"}
    assert prefs(conn, "bo") == {"tool:python": 1, "topic:ml": 1}


def test_left_out_keys_keep_stored_values(conn) -> None:
    call(conn, "upsert_users", [{"id": "c", "location": {"lat": 38.7, "lon": -9.1}, "attributes": {"name": "C"},
                                 "preferences": {"preferred_tags": ["a"], "blocked_tags": ["b"],
                                                 "max_distance_km": 25, "price_min": 1, "price_max": 9,
                                                 "personalization": False}}])
    # Only the blocked list changes; everything else stays.
    call(conn, "upsert_users", [{"id": "c", "preferences": {"blocked_tags": ["z"]}}])
    row = conn.execute("SELECT lat, attributes, max_distance_km, price_min, price_max, personalization "
                       "FROM pgrec.users WHERE external_id = 'c'").fetchone()
    assert row[0] == 38.7 and row[1] == {"name": "C"} and row[2] == 25
    assert (float(row[3]), float(row[4]), row[5]) == (1.0, 9.0, False)
    assert prefs(conn, "c") == {"a": 1, "z": "blocked"}
    # null clears a value; personalization can be switched back on.
    call(conn, "upsert_users", [{"id": "c", "location": None,
                                 "preferences": {"max_distance_km": None, "personalization": True}}])
    row = conn.execute("SELECT lat, max_distance_km, personalization FROM pgrec.users WHERE external_id = 'c'").fetchone()
    assert row == (None, None, True)


def test_preferring_a_blocked_tag_unblocks_it(conn) -> None:
    call(conn, "upsert_users", [{"id": "d", "preferences": {"blocked_tags": ["x"]}}])
    call(conn, "upsert_users", [{"id": "d", "preferences": {"preferred_tags": {"x": 3}}}])
    assert prefs(conn, "d") == {"x": 3}


@pytest.mark.parametrize("payload, sqlstate", [
    (None, "22004"),
    ("users", "22023"),
    ([{"preferences": {}}], "22004"),
    ([{"id": "u", "prefs": {}}], "22023"),
    ([{"id": "u", "preferences": {"preferred": ["x"]}}], "22023"),
    ([{"id": "u", "preferences": {"preferred_tags": {"x": 0}}}], "22023"),
    ([{"id": "u", "preferences": {"preferred_tags": {"x": "high"}}}], "22023"),
    ([{"id": "u", "preferences": {"preferred_tags": "x"}}], "22023"),
    ([{"id": "u", "preferences": {"blocked_tags": "x"}}], "22023"),
    ([{"id": "u", "preferences": {"preferred_tags": ["x"], "blocked_tags": ["X"]}}], "22023"),
    ([{"id": "u", "preferences": {"max_distance_km": 0}}], "22023"),
    ([{"id": "u", "preferences": {"price_min": 10, "price_max": 5}}], "22023"),
    ([{"id": "u", "preferences": {"personalization": "yes"}}], "22023"),
    ([{"id": "u", "location": {"lat": 0, "lon": 200}}], "22023"),
    ([{"id": "u"}, {"id": "u"}], "22023"),
])
def test_bad_input_is_rejected_with_sqlstate(conn, payload, sqlstate) -> None:
    error = sqlstate_of(conn, lambda: conn.execute(
        "SELECT rec.upsert_users(%s::jsonb)", (None if payload is None else json.dumps(payload),)))
    assert error.diag.sqlstate == sqlstate


def test_an_invalid_batch_writes_nothing(conn) -> None:
    error = sqlstate_of(conn, lambda: call(conn, "upsert_users", [
        {"id": "ok1", "preferences": {"preferred_tags": ["t1"]}}, {"id": "bad", "preferences": {"price_min": -1}}]))
    assert "users[1]" in error.diag.message_primary
    assert conn.execute("SELECT count(*) FROM pgrec.users WHERE external_id IN ('ok1', 'bad')").fetchone()[0] == 0
