"""Profiles: interests with confidence and source, implicit feedback through rules a DBA edits,
a half-life, versions and their history, the rebuild after a rule change, and query expansion
from the profile in rec.search."""

from __future__ import annotations

import json
import math
from typing import Iterator

import psycopg
import pytest

from app.db import configure
from tests.helpers import NOW, ago, at, call, query, refresh, track, upsert_items, upsert_users

ITEMS = [
    {"id": "sour", "title": "Sourdough bread baking", "tags": ["category:cooking", "topic:baking"]},
    {"id": "rye", "title": "Rye bread basics", "tags": ["category:cooking", "topic:bread"]},
    {"id": "knife", "title": "Knife skills", "tags": ["category:cooking", "tool:knife"]},
    {"id": "lift", "title": "Deadlift form", "tags": ["category:fitness", "format:video"]},
    {"id": "run", "title": "Running plans", "tags": ["category:fitness"]},
]


def profile(conn, user: str) -> dict:
    return conn.execute("SELECT rec.profile(%s)", (user,)).fetchone()[0]


def interests(conn, user: str) -> dict[str, dict]:
    return {i["tag"]: i for i in profile(conn, user)["interests"]}


@pytest.fixture
def world(conn):
    at(conn)
    upsert_items(conn, ITEMS)
    return conn


@pytest.fixture
def db(fresh_db: str) -> Iterator[psycopg.Connection]:
    """A database of its own in autocommit: every call is its own transaction, so every call
    that changes a profile is a version."""
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        configure(conn)
        at_now(conn)
        upsert_items(conn, ITEMS)
        yield conn


def at_now(conn) -> None:
    conn.execute("SELECT set_config('rec.as_of', %s, false)", (NOW.isoformat(),))


def test_a_user_pgrec_does_not_know(world) -> None:
    assert profile(world, "nobody") == {"user_id": "nobody", "known": False, "version": 0, "updated_at": None,
                                        "interests": [], "aversions": [], "personalized": False}


def test_interests_carry_confidence_and_source(world) -> None:
    upsert_users(world, [{"id": "ana", "preferences": {"preferred_tags": {"topic:baking": 0.5, "tool:knife": 2}}}])
    world.execute("""SELECT rec.submit_onboarding('ana', '{"interests": ["fitness"]}')""")
    track(world, [{"user_id": "ana", "item_id": "sour", "type": "like", "at": ago(seconds=1)},
                  {"user_id": "ana", "item_id": "rye", "type": "like", "at": ago(seconds=1)}])
    got = interests(world, "ana")
    assert got["topic:baking"]["source"] == "declared" and got["topic:baking"]["sources"]["declared"] == 0.5
    assert got["tool:knife"]["confidence"] == 1 and got["tool:knife"]["source"] == "declared"
    assert got["category:fitness"]["source"] == "onboarding" and got["category:fitness"]["confidence"] == 1
    # Two likes (weight 4 each) on cooking items: strength 8, the confidence scale: 1 - 1/e.
    cooking = got["category:cooking"]
    assert cooking["source"] == "behaviour" and cooking["events"] == 2
    assert math.isclose(cooking["strength"], 8, rel_tol=1e-3)
    assert math.isclose(cooking["confidence"], 1 - math.exp(-1), abs_tol=1e-3)
    # Declared and observed: independent evidence, 1 - (1 - 0.5)(1 - c).
    behaviour = got["topic:baking"]["sources"]["behaviour"]
    assert math.isclose(got["topic:baking"]["confidence"], 1 - 0.5 * (1 - behaviour), abs_tol=1e-3)
    assert all(0 <= i["confidence"] <= 1 for i in got.values())
    confidences = [i["confidence"] for i in profile(world, "ana")["interests"]]
    assert confidences == sorted(confidences, reverse=True)
    assert profile(world, "ana")["counts"]["preferred_tags"] == 3  # two declared, one from onboarding


def test_dwell_time_and_scroll_depth_become_strength_through_rules(world) -> None:
    track(world, [
        # A bounce that never scrolled: -1 (dwell under 5 s) - 0.5 (left near the top).
        {"user_id": "ben", "item_id": "lift", "type": "view", "value": 2, "context": {"scroll_depth": 0.05}, "at": ago(seconds=1)},
        # A long read to the end: 2 + 1.
        {"user_id": "ben", "item_id": "sour", "type": "view", "value": 95, "context": {"scroll_depth": 0.9}, "at": ago(seconds=1)},
        # A view with no dwell time says nothing by itself.
        {"user_id": "ben", "item_id": "knife", "type": "view", "at": ago(seconds=1)},
    ])
    p = profile(world, "ben")
    liked = {i["tag"]: i for i in p["interests"]}
    avoided = {i["tag"]: i for i in p["aversions"]}
    assert math.isclose(liked["topic:baking"]["strength"], 3, rel_tol=1e-3)
    assert math.isclose(avoided["category:fitness"]["strength"], -1.5, rel_tol=1e-3)
    assert "tool:knife" not in liked and "tool:knife" not in avoided
    assert p["counts"] == {**p["counts"], "events": 3, "positive_events": 1, "negative_events": 1}
    strengths = dict(query(world, "SELECT e.type || coalesce(':' || e.value, ''), s.strength FROM pgrec.profile_event_strengths s "
                                  "JOIN pgrec.events e ON e.id = s.id"))
    assert strengths == {"view:2": -1.5, "view:95": 3, "view": 0}


def test_older_feedback_counts_half_after_the_half_life(world) -> None:
    track(world, [{"user_id": "cid", "item_id": "run", "type": "like", "at": ago(days=30)}])
    run = interests(world, "cid")["category:fitness"]
    assert math.isclose(run["strength"], 2, rel_tol=1e-3)  # a like is 4; 30 days is the half-life
    world.execute("UPDATE pgrec.profile_settings SET half_life_days = 10")
    refresh(world, "profiles")  # the settings changed: profiles are rebuilt with the new half-life
    assert math.isclose(interests(world, "cid")["category:fitness"]["strength"], 4 / 8, rel_tol=1e-3)


def test_the_order_events_arrive_in_does_not_matter(world) -> None:
    events = [{"user_id": u, "item_id": i, "type": t, "value": v, "at": ago(days=d)}
              for u, order in (("early", (3, 1, 0, 2)), ("late", (0, 1, 2, 3)))
              for k in order
              for i, t, v, d in [[("sour", "like", None, 20), ("rye", "view", 3, 12), ("sour", "rate", 2, 5),
                                  ("knife", "save", None, 1)][k]]]
    for event in events:  # one call each, in the two orders above
        track(world, [event])
    def rows(user):
        return query(world, "SELECT t.name, round(p.strength::numeric, 6), p.as_of, p.events FROM pgrec.profile_interests p "
                            "JOIN pgrec.tags t ON t.id = p.tag_id JOIN pgrec.users u ON u.id = p.user_id "
                            "WHERE u.external_id = %s ORDER BY 1", (user,))
    assert rows("early") == rows("late") and rows("early")


def test_a_rule_change_rebuilds_profiles_from_events(db) -> None:
    track(db, [{"user_id": "dee", "item_id": "lift", "type": "view", "value": 1, "at": ago(hours=1)},
               {"user_id": "dee", "item_id": "sour", "type": "like", "at": ago(hours=1)}])
    assert refresh(db, "profiles") == {"profiles": "ok"}  # the first run: nothing differs from rec.track's
    version = profile(db, "dee")["version"]
    assert [r[0] for r in query(db, "SELECT details ->> 'users_changed' FROM pgrec.audit_log WHERE action = 'profile_rules'")] == ["0"]
    refresh(db, "profiles")  # rules unchanged: no rebuild
    assert query(db, "SELECT count(*) FROM pgrec.audit_log WHERE action = 'profile_rules'") == [(1,)]

    db.execute("UPDATE pgrec.feedback_rules SET strength = -4 WHERE name = 'bounce'")
    refresh(db, "profiles")
    p = profile(db, "dee")
    assert math.isclose({i["tag"]: i for i in p["aversions"]}["category:fitness"]["strength"], -4, rel_tol=1e-3)
    assert p["version"] == version + 1
    latest = query(db, "SELECT cause, changes FROM rec.profile_history('dee', 1)")
    assert latest == [("rules", {"rebuilt": True})]
    assert query(db, "SELECT details ->> 'users_changed' FROM pgrec.audit_log WHERE action = 'profile_rules' "
                     "ORDER BY id DESC LIMIT 1") == [("1",)]


def test_events_loaded_around_rec_track_are_picked_up_by_the_rebuild(db) -> None:
    """Bulk loads by COPY (benchmarks, a restore) bypass rec.track; the first run of the step
    builds their profiles."""
    track(db, [{"user_id": "eve", "item_id": "run", "type": "view", "at": ago(hours=2)}])
    db.execute("""INSERT INTO pgrec.events (user_id, item_id, type, occurred_at)
                  SELECT u.id, i.id, 'like', %s FROM pgrec.users u, pgrec.items i
                  WHERE u.external_id = 'eve' AND i.external_id = 'run'""", (ago(hours=1),))
    assert "category:fitness" not in interests(db, "eve")
    refresh(db, "profiles")
    assert math.isclose(interests(db, "eve")["category:fitness"]["strength"], 4, rel_tol=1e-3)
    assert profile(db, "eve")["counts"]["events"] == 2


def test_every_call_that_changes_a_profile_is_a_version(db) -> None:
    upsert_users(db, [{"id": "fay", "attributes": {"plan": "free"}, "preferences": {"preferred_tags": ["topic:baking"]}}])
    track(db, [{"user_id": "fay", "item_id": "sour", "type": "like", "at": ago(minutes=5)},
               {"user_id": "fay", "item_id": "rye", "type": "save", "at": ago(minutes=4)}])  # one call: one version
    upsert_users(db, [{"id": "fay", "preferences": {"preferred_tags": ["topic:baking"]}}])  # no change: no version
    db.execute("""SELECT rec.submit_onboarding('fay', '{"interests": ["fitness"]}')""")
    call(db, "upsert_consents", [{"user_id": "fay", "purpose": "analytics", "granted": False}])
    upsert_users(db, [{"id": "fay", "preferences": {"blocked_tags": ["tool:knife"], "max_distance_km": 20}}])
    history = query(db, "SELECT version, cause, changes FROM rec.profile_history('fay')")
    assert [(v, c) for v, c, _ in history] == [(5, "preferences"), (4, "consent"), (3, "onboarding"), (2, "events"),
                                               (1, "preferences")]
    changes = {v: ch for v, _, ch in history}
    assert changes[1] == {"attributes": {"plan": "free"}, "preferred_tags": {"topic:baking": 1}}
    assert changes[2]["events"] == 2 and changes[2]["interests"]["category:cooking"] == 9
    assert changes[3] == {"preferred_tags": {"topic:baking": 1, "category:fitness": 1}}
    assert changes[4] == {"consents": {"analytics": False}}
    assert changes[5] == {"blocked_tags": ["tool:knife"], "max_distance_km": 20}
    assert profile(db, "fay")["version"] == 5
    assert [r[0] for r in query(db, "SELECT version FROM rec.profile_history('fay', 2, before => 4)")] == [3, 2]
    # Preference changes are audited by the keys that changed, not their values.
    audit = query(db, "SELECT action, details FROM rec.audit_log('fay') ORDER BY id")
    assert audit == [("preferences", {"changed": ["attributes", "preferred_tags"]}), ("onboarding", {"changed": ["preferred_tags"]}),
                     ("consent", {**audit[2][1], "purpose": "analytics", "granted": False}),
                     ("preferences", {"changed": ["blocked_tags", "max_distance_km"]})]


def test_search_expands_the_query_with_the_users_strongest_interests(world) -> None:
    upsert_users(world, [{"id": "gus", "preferences": {"preferred_tags": {"topic:baking": 1, "format:video": 1}}}])

    def search(user, q="bread", expand=True):
        return query(world, "SELECT item_id, reasons FROM rec.search(%s, 10, %s, expand => %s)", (q, user, expand))

    plain = search("gus", expand=False)
    assert all("query_expansion" not in r for _, r in plain)
    expanded = search("gus")
    # baking is added (a subject); video is a form, not a subject (profile_settings.expansion_kinds).
    assert {json.dumps(r["query_expansion"]) for _, r in expanded} == {
        json.dumps({"added": ["baking"], "query": "bread or bread baking"})}
    # Only what "bread" matches, but the match that also says "baking" comes first.
    assert {i for i, _ in expanded} == {i for i, _ in plain} == {"sour", "rye"}
    assert [i for i, _ in expanded][0] == "sour"
    assert all('matches "bread"' in r["reasons"] for _, r in expanded)
    # An interest the query already says is not added; a visitor gets nothing added.
    assert {r["query_expansion"]["added"] == [] for _, r in search("gus", "baking bread")} == {True}
    assert {r["query_expansion"]["added"] == [] for _, r in search("a-visitor")} == {True}
    call(world, "upsert_consents", [{"user_id": "gus", "purpose": "personalization", "granted": False}])
    assert {r["query_expansion"]["added"] == [] for _, r in search("gus")} == {True}


def test_withdrawn_consent_to_personalisation_makes_a_user_a_visitor(world) -> None:
    upsert_users(world, [{"id": "hal", "preferences": {"preferred_tags": {"topic:baking": 3}, "blocked_tags": ["tool:knife"]}}])
    track(world, [{"user_id": "hal", "item_id": "rye", "type": "like", "at": ago(hours=1)}])

    def feed(user):
        return query(world, "SELECT item_id, reasons -> 'terms' FROM rec.feed(%s, 10)", (user,))

    personal = feed("hal")
    assert any("explicit" in terms for _, terms in personal)
    call(world, "upsert_consents", [{"user_id": "hal", "purpose": "personalization", "granted": False}])
    withdrawn = feed("hal")
    assert not any("explicit" in terms or "tags" in terms for _, terms in withdrawn)
    assert "knife" not in [i for i, _ in withdrawn]  # blocked tags still apply
    assert "rye" in [i for i, _ in withdrawn]  # nothing of their history is used, exclusions included
    status = world.execute("SELECT rec.status('hal')").fetchone()[0]
    assert status["personalized"] is False and status["default_blend"] == "cold_start (personalization off)"
    assert profile(world, "hal")["personalized"] is False and profile(world, "hal")["consents"]["personalization"] is False
