"""Cold start: rec.status thresholds, onboarding questions and answers."""

from __future__ import annotations

import json

import pytest

from tests.helpers import at, call, explain, refresh, sqlstate_of, status


def submit(conn, user: str, answers) -> int:
    return conn.execute("SELECT rec.submit_onboarding(%s, %s)", (user, json.dumps(answers))).fetchone()[0]


def test_status_of_unknown_new_and_active_users(conn) -> None:
    at(conn)
    visitor = status(conn, "visitor")
    assert visitor["known"] is False and visitor["needs_onboarding"] is True and visitor["personalized"] is False
    assert visitor["thresholds"] == {"preferred_tags": 3, "events": 10, "positive_events": 5}
    call(conn, "upsert_items", [{"id": f"i{k}"} for k in range(12)])
    # 4 likes: positive events below 5, events below 10 -> still cold.
    call(conn, "track", [{"user_id": "u", "item_id": f"i{k}", "type": "like"} for k in range(4)])
    s = status(conn, "u")
    assert s["counts"]["events"] == 4 and s["counts"]["positive_events"] == 4
    assert s["enough_data"] is False and s["default_blend"] == "cold_start"
    call(conn, "track", [{"user_id": "u", "item_id": "i4", "type": "save"}])  # 5th positive event
    s = status(conn, "u")
    assert s["enough_data"] is True and s["personalized"] is True and s["needs_onboarding"] is False
    # Ten views are enough too, even without a single positive event.
    call(conn, "track", [{"user_id": "v", "item_id": f"i{k}", "type": "view"} for k in range(10)])
    assert status(conn, "v")["enough_data"] is True
    call(conn, "upsert_users", [{"id": "v", "preferences": {"personalization": False}}])
    assert status(conn, "v")["personalized"] is False and status(conn, "v")["needs_onboarding"] is False


def test_status_sees_only_the_replay_clock(conn) -> None:
    call(conn, "upsert_items", [{"id": f"i{k}"} for k in range(5)])
    call(conn, "track", [{"user_id": "u", "item_id": f"i{k}", "type": "like", "at": "2026-05-01T00:00:00Z"}
                         for k in range(5)])
    at(conn, "2026-04-01T00:00:00+00:00")
    assert status(conn, "u")["counts"]["events"] == 0
    at(conn, "2026-06-01T00:00:00+00:00")
    assert status(conn, "u")["enough_data"] is True


def test_onboarding_questions_and_answers_become_preferences(conn) -> None:
    at(conn)
    questions = conn.execute("SELECT * FROM rec.onboarding_questions()").fetchall()
    by_id = {q[0]: q for q in questions}
    assert {"interests", "tools", "level"} <= set(by_id)
    assert by_id["level"][2] is False and by_id["interests"][2] is True
    assert {"id": "cooking", "label": "Cooking"} in by_id["interests"][3]
    written = submit(conn, "newbie", {"interests": ["cooking", "music"], "level": "beginner"})
    assert written == 3
    tags = dict(conn.execute(
        "SELECT t.name, ut.weight FROM pgrec.user_tags ut JOIN pgrec.tags t ON t.id = ut.tag_id "
        "JOIN pgrec.users u ON u.id = ut.user_id WHERE u.external_id = 'newbie'").fetchall())
    assert tags == {"category:cooking": 1, "category:music": 1, "beginner": 1}
    s = status(conn, "newbie")
    assert s["known"] and s["counts"]["onboarding_answers"] == 2 and s["counts"]["preferred_tags"] == 3
    assert s["enough_data"] is True and s["needs_onboarding"] is False
    # Answering again replaces the stored answer and never lowers a weight.
    call(conn, "upsert_users", [{"id": "newbie", "preferences": {"preferred_tags": {"category:cooking": 5},
                                                                 "blocked_tags": ["advanced"]}}])
    assert submit(conn, "newbie", {"interests": "cooking", "level": "advanced"}) == 1
    weight, blocked = conn.execute(
        "SELECT ut.weight, ut.blocked FROM pgrec.user_tags ut JOIN pgrec.tags t ON t.id = ut.tag_id "
        "JOIN pgrec.users u ON u.id = ut.user_id WHERE u.external_id = 'newbie' AND t.name = 'category:cooking'").fetchone()
    assert weight == 5 and blocked is False
    still_blocked = conn.execute(
        "SELECT ut.blocked FROM pgrec.user_tags ut JOIN pgrec.tags t ON t.id = ut.tag_id "
        "JOIN pgrec.users u ON u.id = ut.user_id WHERE u.external_id = 'newbie' AND t.name = 'advanced'").fetchone()[0]
    assert still_blocked is True
    assert conn.execute("SELECT option_ids FROM pgrec.onboarding_answers a JOIN pgrec.users u ON u.id = a.user_id "
                        "WHERE u.external_id = 'newbie' AND question_id = 'interests'").fetchone()[0] == ["cooking"]


def test_onboarding_preferences_shape_the_cold_start_feed(conn) -> None:
    at(conn)
    call(conn, "upsert_items", [{"id": "food", "tags": ["category:cooking"], "created_at": "2026-05-01T00:00:00Z"},
                                {"id": "song", "tags": ["category:music"], "created_at": "2026-05-30T00:00:00Z"}])
    call(conn, "upsert_items", [{"id": "hit", "created_at": "2026-05-01T00:00:00Z"}])
    call(conn, "track", [{"user_id": f"fan{k}", "item_id": item, "type": "view", "at": "2026-05-31T00:00:00Z"}
                         for item, fans in (("hit", 9), ("song", 3)) for k in range(fans)])
    refresh(conn, "stats")
    before = [r[0] for r in conn.execute("SELECT item_id FROM rec.feed('cook')").fetchall()]
    assert before == ["hit", "song", "food"]  # most engaging first
    submit(conn, "cook", {"interests": ["cooking"]})
    info = explain(conn, "cook", "food")
    assert info["weights_from"] == "cold_start" and info["signals"]["explicit"] > 0.6
    # The declared interest lifts food above the more popular song.
    after = [r[0] for r in conn.execute("SELECT item_id FROM rec.feed('cook')").fetchall()]
    assert after.index("food") < after.index("song")
    assert "matches your interest in cooking" in info["reasons"]


@pytest.mark.parametrize("answers, sqlstate", [
    (None, "22004"),
    ([], "22023"),
    ({"favourite_colour": "red"}, "22023"),        # unknown question
    ({"interests": "knitting"}, "22023"),          # unknown option
    ({"level": ["beginner", "advanced"]}, "22023"),  # single-choice question, two options
    ({"interests": [1, 2]}, "22023"),              # not option ids
    ({"interests": {"a": 1}}, "22023"),
])
def test_bad_onboarding_answers_are_rejected(conn, answers, sqlstate) -> None:
    error = sqlstate_of(conn, lambda: conn.execute(
        "SELECT rec.submit_onboarding('u', %s)", (None if answers is None else json.dumps(answers),)).fetchone())
    assert error.diag.sqlstate == sqlstate
    assert conn.execute("SELECT count(*) FROM pgrec.users WHERE external_id = 'u'").fetchone()[0] == 0
