"""Consent per purpose, the audit log of profile-affecting and privacy actions, and analytics
that honour consent."""

from __future__ import annotations

import json

import psycopg
import pytest

from tests.helpers import ago, at, call, query, sqlstate_of, track, upsert_items, upsert_users


@pytest.fixture
def world(conn):
    at(conn)
    upsert_items(conn, [{"id": f"i{k}", "title": f"Item {k}", "tags": ["category:c"]} for k in range(6)])
    return conn


def consents(conn, user: str) -> dict[str, tuple]:
    return {p: (g, a) for p, g, a, *_ in query(conn, "SELECT * FROM rec.consents(%s)", (user,))}


def test_consent_answers(world) -> None:
    assert consents(world, "ana") == {"analytics": (True, False), "personalization": (True, False)}
    assert call(world, "upsert_consents", [{"user_id": "ana", "purpose": "analytics", "granted": False, "at": ago(days=2)}]) == 1
    assert call(world, "upsert_consents", [{"user_id": "ana", "purpose": "analytics", "granted": False}]) == 0  # unchanged
    # An answer older than the stored one is a late delivery: ignored.
    assert call(world, "upsert_consents", [{"user_id": "ana", "purpose": "analytics", "granted": True, "at": ago(days=3)}]) == 0
    # In one batch the latest answer counts.
    assert call(world, "upsert_consents", [
        {"user_id": "ana", "purpose": "personalization", "granted": False, "at": ago(hours=1)},
        {"user_id": "ana", "purpose": "personalization", "granted": True, "at": ago(hours=2)}]) == 1
    assert consents(world, "ana") == {"analytics": (False, True), "personalization": (False, True)}


@pytest.mark.parametrize(("batch", "state", "message"), [
    ([{"user_id": "ana", "purpose": "marketing", "granted": True}], "22023", 'consents[0]: unknown purpose "marketing"'),
    ([{"user_id": "ana", "purpose": "analytics"}], "22004", "consents[0]: granted is required"),
    ([{"purpose": "analytics", "granted": True}], "22004", "consents[0]: user_id is required"),
    ([{"user_id": "ana", "purpose": "analytics", "granted": "yes"}], "22023", "consents[0]: granted"),
    ([{"user_id": "ana", "purpose": "analytics", "granted": True, "at": "yesterday"}], "22023", "consents[0]: at"),
    ([{"user_id": "ana", "purpose": "analytics", "granted": True, "at": "2099-01-01T00:00:00Z"}], "22023", "consents[0]: at"),
    ([{"user_id": "ana", "purpose": "analytics", "granted": True, "why": "x"}], "22023", "consents[0]: unknown keys"),
    ([{"user_id": "ok", "purpose": "analytics", "granted": True}, 3], "22023", "consents[1]: must be a JSON object"),
    ({"user_id": "ana"}, "22023", "consents must be a JSON array"),
])
def test_bad_consent_batches_are_refused_whole(world, batch, state: str, message: str) -> None:
    error = sqlstate_of(world, lambda: call(world, "upsert_consents", batch))
    assert error.sqlstate == state and error.diag.message_primary.startswith(message), error.diag.message_primary
    assert query(world, "SELECT count(*) FROM pgrec.consents") == [(0,)]


def test_an_installation_that_needs_opt_in(world) -> None:
    upsert_users(world, [{"id": "ben", "preferences": {"preferred_tags": {"category:c": 2}}}])
    world.execute("UPDATE pgrec.consent_purposes SET default_granted = false WHERE purpose = 'personalization'")
    assert world.execute("SELECT rec.status('ben')").fetchone()[0]["personalized"] is False
    assert not any("explicit" in r[0] for r in query(world, "SELECT reasons -> 'terms' FROM rec.feed('ben', 5)"))
    call(world, "upsert_consents", [{"user_id": "ben", "purpose": "personalization", "granted": True}])
    assert any("explicit" in r[0] for r in query(world, "SELECT reasons -> 'terms' FROM rec.feed('ben', 5)"))


def test_the_audit_log(world) -> None:
    upsert_users(world, [{"id": "cid", "preferences": {"preferred_tags": ["category:c"]}}])
    world.execute("""SELECT rec.submit_onboarding('cid', '{"interests": ["cooking"]}')""")
    call(world, "upsert_consents", [{"user_id": "cid", "purpose": "analytics", "granted": False}])
    track(world, [{"user_id": "cid", "item_id": "i1", "type": "like"}])  # behaviour is in the profile history, not here
    world.execute("SELECT rec.export_user('cid')")
    world.execute("SET application_name = 'support-desk'")
    world.execute("SELECT rec.forget_user('cid')")
    world.execute("SELECT rec.unforget_user('cid')")
    log = query(world, "SELECT action, user_id, actor, login_role, details FROM rec.audit_log('cid') ORDER BY id")
    assert [(a, u) for a, u, *_ in log] == [("preferences", None), ("onboarding", None), ("consent", None),
                                            ("export", None), ("forget", None), ("unforget", None)]
    assert log[4][2] == "support-desk" and log[4][3] == "postgres" and log[4][4]["erased"]["users"] == 1
    # Erased: the id is gone from every entry, and no entry holds it anywhere.
    assert "cid" not in json.dumps(query(world, "SELECT to_jsonb(a) - 'user_digest' FROM pgrec.audit_log a"))
    upsert_users(world, [{"id": "dee", "preferences": {"price_max": 50}}])
    assert query(world, "SELECT action, user_id FROM rec.audit_log('dee')") == [("preferences", "dee")]
    assert [r[0] for r in query(world, "SELECT action FROM rec.audit_log(n => 2)")] == ["preferences", "unforget"]
    assert query(world, "SELECT count(*) FROM rec.audit_log(since => now() + interval '1 hour')") == [(0,)]


def test_the_audit_log_is_for_the_admin_role(world) -> None:
    world.execute("SET ROLE pgrec_app")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        with world.transaction():
            world.execute("SELECT * FROM rec.audit_log()")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        with world.transaction():
            world.execute("SELECT * FROM rec.analytics()")
    world.execute("RESET ROLE")


def analytics(conn, period: str = "7d", metric: str | None = None) -> dict[tuple[str, str], tuple]:
    return {(m, s): (v, p) for m, s, v, p, _ in query(conn, "SELECT * FROM rec.analytics(%s, %s)", (period, metric))}


def test_analytics_over_periods_honour_consent(world) -> None:
    upsert_users(world, [{"id": u, "created_at": ago(days=d)} for u, d in (("u1", 3), ("u2", 10), ("u3", 40), ("u4", 2))])
    track(world, [{"user_id": "u1", "item_id": "i1", "type": "view", "at": ago(days=1)},
                  {"user_id": "u1", "item_id": "i1", "type": "like", "at": ago(days=1)},
                  {"user_id": "u2", "item_id": "i2", "type": "like", "at": ago(days=2)},
                  {"user_id": "u2", "item_id": "i2", "type": "like", "at": ago(days=9)},
                  {"user_id": "u3", "item_id": "i3", "type": "dismiss", "at": ago(days=20)},
                  {"user_id": "u4", "item_id": "i4", "type": "like", "at": ago(days=1)}])
    call(world, "upsert_consents", [{"user_id": "u4", "purpose": "analytics", "granted": False}])
    week = analytics(world, "7d", "users")
    assert week[("users", "active")] == (2, 1)      # u1, u2 now; u2 the week before; u4 never counts
    assert week[("users", "new")] == (1, 1)         # u1 this week, u2 the week before
    assert week[("users", "returning")] == (1, 0)
    month = analytics(world, "30d", "engagement")
    assert month[("engagement", "events")] == (5, 0) and month[("engagement", "positive_events")] == (3, 0)
    assert month[("engagement", "type:dismiss")] == (1, 0)
    assert month[("engagement", "events_per_active_user")][0] == pytest.approx(5 / 3)
    for bad, state in (("2d", "22023"), (None, "22004")):
        assert sqlstate_of(world, lambda: analytics(world, bad)).sqlstate == state
    assert sqlstate_of(world, lambda: analytics(world, "7d", "revenue")).sqlstate == "22023"


def test_recommendation_click_through(world) -> None:
    world.execute("SELECT rec.log_impressions('r1', 'u1', ARRAY['i1', 'i2', 'i3', 'i4'])")
    track(world, [{"user_id": "u1", "item_id": "i2", "type": "click"},
                  {"user_id": "u1", "item_id": "i3", "type": "save"},
                  {"user_id": "u1", "item_id": "i4", "type": "view"}])
    got = analytics(world, "1d", "recommendations")
    assert got[("recommendations", "impressions")] == (4, 0)
    assert got[("recommendations", "clicks")] == (2, 0) and got[("recommendations", "ctr")] == (0.5, None)
    assert got[("recommendations", "conversions")] == (1, 0)


def test_path_completion(world) -> None:
    upsert_items(world, [{"id": "m1", "attributes": {"type": "module"}}, {"id": "m2", "attributes": {"type": "module"}},
                         {"id": "l1", "attributes": {"type": "lesson", "module": "m2"}}])
    call(world, "upsert_paths", [{"id": "p", "modules": ["m1", "m2"]}])
    track(world, [{"user_id": "a", "item_id": "m1", "type": "complete", "at": ago(days=3)},
                  {"user_id": "a", "item_id": "l1", "type": "complete", "at": ago(days=2)},   # m2's only lesson
                  {"user_id": "b", "item_id": "m1", "type": "complete", "at": ago(days=1)},
                  {"user_id": "c", "item_id": "m1", "type": "complete", "at": ago(days=20)},
                  {"user_id": "c", "item_id": "m2", "type": "complete", "at": ago(days=5)}])
    got = analytics(world, "7d", "paths")
    assert got[("paths", "paths")] == (1, 1)
    assert got[("paths", "learners_started")] == (3, 0)     # a, b and c completed something of the path this week
    assert got[("paths", "learners_completed")] == (2, 0)   # a (m2 through its lesson) and c
    assert got[("paths", "completion_rate")][0] == pytest.approx(2 / 3)
    assert got[("paths", "modules_completed")] == (4, 0)
