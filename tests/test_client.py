"""The Python client (pgrec_client): every verb over every transport — SQL on a connection and
on a pool, sync and async, and HTTP through the Litestar app, sync and async — returns what
the rec function returns, and errors map to the same classes with the field the server named.

The SQL transports connect as a login role that is only a member of pgrec_app, the HTTP app
as well, exactly as a host application would.
"""

from __future__ import annotations

import asyncio
import json
import math
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Callable, Iterator

import psycopg
import pytest
from litestar.testing import AsyncTestClient
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from app.api import create_app
from pgrec_client import (AsyncClient, Client, Conflict, Forbidden, InvalidInput, Item, Location, NotFound,
                          NotSupported, PgrecError, RankedItem, RateLimited, ServerError, Timeout, Unauthorized,
                          Unavailable, calls)
from pgrec_client.errors import error_for_http, error_for_sqlstate
from tests.helpers import ApiDatabase, api_client, as_role, make_settings

TRANSPORTS = ["sql", "sql-pool", "async-sql", "async-sql-pool", "http", "async-http"]


class Awaited:
    """An AsyncClient driven from a plain test: each verb runs to completion on one event loop,
    so the same assertions cover the sync and async clients."""

    def __init__(self, client: AsyncClient, runner: asyncio.Runner) -> None:
        self.client = client
        self.runner = runner

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.client, name)
        return lambda *args, **kwargs: self.runner.run(method(*args, **kwargs))


@pytest.fixture(scope="module")
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as r:
        yield r


@pytest.fixture(scope="module", params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def rec(transport: str, api_db: ApiDatabase, runner: asyncio.Runner) -> Iterator[Any]:
    """A client of the kind ``transport`` names, on the module's seeded database."""
    key = api_db.keys["all"]
    if transport == "sql":
        with psycopg.connect(api_db.app_url, autocommit=True) as conn:
            yield Client.sql(conn)
    elif transport == "sql-pool":
        with ConnectionPool(api_db.app_url, min_size=1, max_size=2, open=True) as pool:
            yield Client.sql(pool)
    elif transport == "async-sql":
        conn = runner.run(psycopg.AsyncConnection.connect(api_db.app_url, autocommit=True))
        yield Awaited(AsyncClient.sql(conn), runner)
        runner.run(conn.close())
    elif transport == "async-sql-pool":
        pool = AsyncConnectionPool(api_db.app_url, min_size=1, max_size=2, open=False)
        runner.run(pool.open())
        yield Awaited(AsyncClient.sql(pool), runner)
        runner.run(pool.close())
    elif transport == "http":
        with api_client(api_db.app_url) as test_client:
            yield Client.http(api_key=key, client=test_client)
    else:
        test_client = AsyncTestClient(create_app(make_settings(), conninfo=api_db.app_url))
        runner.run(test_client.__aenter__())
        yield Awaited(AsyncClient.http(api_key=key, client=test_client), runner)
        runner.run(test_client.__aexit__(None, None, None))


def sql_ids(api_db: ApiDatabase, statement: str, params: Any = None) -> list[str]:
    return [row[0] for row in api_db.sql(statement, params)]


def error_of(action: Callable[[], Any], cls: type[PgrecError]) -> PgrecError:
    with pytest.raises(cls) as info:
        action()
    return info.value


# --- the call table against the installed functions --------------------------------------------

# Granted to pgrec_app but not client verbs: the HTTP API process's own plumbing and the clock.
NOT_VERBS = {"authenticate", "api_key_prefixes", "installation", "freshness", "now", "embedding_dim"}


def test_every_app_function_is_a_verb(api_db: ApiDatabase) -> None:
    granted = set(sql_ids(api_db, """
        SELECT p.proname FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace
        WHERE s.nspname = 'rec' AND has_function_privilege('pgrec_app', p.oid, 'EXECUTE')"""))
    verbs = {c.function.split(".")[1] for c in calls.ALL}
    assert granted - NOT_VERBS == verbs
    assert all(hasattr(Client, name) and hasattr(AsyncClient, name) for name in verbs)


@pytest.mark.parametrize("call", calls.ALL, ids=[c.function for c in calls.ALL])
def test_calls_match_the_sql_signatures(api_db: ApiDatabase, call: calls.Call) -> None:
    (args, defaults, columns), = api_db.sql("""
        SELECT pg_get_function_identity_arguments(p.oid), p.pronargdefaults,
               coalesce((SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
                         WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND t.typtype = 'c'
                           AND NOT EXISTS (SELECT FROM unnest(p.proargmodes) m WHERE m = 't')),
                        (SELECT array_agg(n ORDER BY o) FROM unnest(p.proargnames, p.proargmodes)
                                WITH ORDINALITY AS u(n, m, o) WHERE m = 't'), '{}')
        FROM pg_proc p JOIN pg_type t ON t.oid = p.prorettype
        WHERE p.oid = %s::regproc""", (call.function,))
    declared = ", ".join(f"{name} {kind.removeprefix('public.')}" for name, kind in call.args)
    assert args.replace('"', "") == declared
    assert len(call.args) - defaults == call.required
    assert tuple(columns) == call.columns


# --- writes ---------------------------------------------------------------------------------------

def test_upsert_items_users_and_track(api_db: ApiDatabase, rec: Any, transport: str) -> None:
    item, user = f"client-{transport}", f"client-user-{transport}"
    written = rec.upsert_items([{"id": item, "title": "Client test", "tags": ["tool:rust", "category:code"],
                                 "location": {"lat": 52.5, "lon": 13.4}, "price": 12.5,
                                 "attributes": {"level": 2}}, {"id": item + "-b"}])
    assert written == 2
    assert rec.upsert_users([{"id": user, "preferences": {"preferred_tags": {"tool:rust": 2}}}]) == 1
    events = [{"event_id": f"{transport}-e1", "user_id": user, "item_id": item, "type": "like"},
              {"event_id": f"{transport}-e2", "user_id": user, "item_id": item + "-b", "type": "view"}]
    assert rec.track(events) == 2
    assert rec.track(iter(events)) == 0  # repeats by event_id are skipped; any iterable is a batch
    stored = rec.items([item + "-b", "no-such-item", item])
    assert [i.item_id for i in stored] == [item + "-b", item]
    full = stored[1]
    assert isinstance(full, Item) and full.title == "Client test" and full.tags == ["category:code", "tool:rust"]
    assert full.location == Location(52.5, 13.4) and full.price == Decimal("12.5") and full.attributes == {"level": 2}
    assert full.status == "active" and isinstance(full.created_at, datetime) and full.embedded is False


def test_a_batch_is_validated_whole_and_names_the_element(api_db: ApiDatabase, rec: Any, transport: str) -> None:
    error = error_of(lambda: rec.upsert_items([{"id": f"ok-{transport}"}, {"id": "bad", "price": -1}]), InvalidInput)
    assert error.code == "22023" and error.field == "items[1]" and "nothing in the batch" in error.detail
    assert rec.items([f"ok-{transport}"]) == []
    error = error_of(lambda: rec.track([{"user_id": "ana", "item_id": "py-web", "type": "like"},
                                        {"user_id": "ana", "item_id": "ghost", "type": "like"}]), NotFound)
    assert error.code == "P0002" and error.field == "events[1]" and "ghost" in error.message
    error = error_of(lambda: rec.track([{"user_id": "ana", "item_id": "py-web", "type": "teleport"}]), InvalidInput)
    assert error.field == "events[0]"
    error = error_of(lambda: rec.track([{"item_id": "py-web", "type": "like"}]), InvalidInput)
    assert error.code == "22004" and error.field == "events[0]"


def test_ten_thousand_ids_are_invalid_input(rec: Any) -> None:
    error = error_of(lambda: rec.items([f"x{i}" for i in range(10_000)]), InvalidInput)
    assert error.code == "22023" and error.field == "item_ids" and "1000" in error.message
    error = error_of(lambda: rec.track([{"user_id": "u", "item_id": "py-web", "type": "view"}] * 10_001), InvalidInput)
    assert error.code == "22023" and error.field == "events"


def test_submit_onboarding(rec: Any, transport: str) -> None:
    questions = rec.onboarding_questions()
    interests = next(q for q in questions if q.question_id == "interests")
    assert interests.multiple and interests.options and interests.prompt
    user = f"newcomer-{transport}"
    written = rec.submit_onboarding(user, {"interests": [o.id for o in interests.options[:2]]})
    assert written >= 2
    assert rec.status(user).counts["onboarding_answers"] == 1
    error = error_of(lambda: rec.submit_onboarding(user, {"no-such-question": "x"}), InvalidInput)
    assert error.code == "22023"


def test_follow_following_unfollow_and_the_explore_quiz(rec: Any, transport: str) -> None:
    user = f"follower-{transport}"
    assert rec.follow([{"user_id": user, "creator_id": "ana"}, {"user_id": user, "creator_id": "cid"}]) == 2
    assert rec.follow([{"user_id": user, "creator_id": "ana"}]) == 0  # already following
    follows = rec.following(user)
    assert {f.creator_id for f in follows} == {"ana", "cid"}
    assert all(isinstance(f.followed_at, datetime) and f.items == 0 for f in follows)
    assert rec.unfollow([{"user_id": user, "creator_id": "ana"}]) == 1
    assert [f.creator_id for f in rec.following(user)] == ["cid"]
    error = error_of(lambda: rec.follow([{"user_id": user, "creator_id": user}]), InvalidInput)
    assert error.code == "22023" and error.field == "follows[0]"
    quiz = rec.onboarding_questions(questionnaire="explore")
    assert [q.question_id for q in quiz] == ["explore_make", "explore_tools", "explore_level"]
    assert error_of(lambda: rec.onboarding_questions(questionnaire="nope"), InvalidInput).code == "22023"


# --- lists ---------------------------------------------------------------------------------------

LISTS = [
    ("feed", ("ana",), {"n": 3}, "SELECT item_id FROM rec.feed('ana', 3)"),
    ("feed", ("ben",), {"n": 2, "offset": 1, "strategy": "explore"},
     "SELECT item_id FROM rec.feed('ben', 2, 1, 'explore')"),
    ("feed", ("cid",), {"weights": {"popularity": 1}},
     """SELECT item_id FROM rec.feed('cid', weights => '{"popularity": 1}')"""),
    ("trending", (), {"n": 5, "window": "30 days", "tags": ["tool:python", "tool:figma"]},
     "SELECT item_id FROM rec.trending(5, 0, '30 days', NULL, ARRAY['tool:python', 'tool:figma'])"),
    ("trending", (), {"window": timedelta(days=7), "user_id": "ana"},
     "SELECT item_id FROM rec.trending(\"window\" => '7 days', user_id => 'ana')"),
    ("latest", (), {"n": 10, "tags": ["tool:figma"]}, "SELECT item_id FROM rec.latest(10, 0, ARRAY['tool:figma'])"),
    ("latest", (), {"n": 5, "strategy": "explore_new", "user_id": "ana"},
     "SELECT item_id FROM rec.latest(5, 0, NULL, 'explore_new', 'ana')"),
    ("feed", ("cid",), {"exclusion_policy": "undismissed"},
     "SELECT item_id FROM rec.feed('cid', exclusion_policy => 'undismissed')"),
    ("similar_items", ("py-intro",), {"n": 5, "user_id": "dee"},
     "SELECT item_id FROM rec.similar_items('py-intro', 5, 'dee')"),
    ("nearby", (52.51, 13.41), {"radius_km": 20}, "SELECT item_id FROM rec.nearby(52.51, 13.41, 20)"),
    ("search", ("python",), {"n": 3, "user_id": "ben"}, "SELECT item_id FROM rec.search('python', 3, 'ben')"),
    ("next_items", ("cid",), {"n": 5}, "SELECT item_id FROM rec.next_items('cid', 5)"),
    ("session_feed", (["py-intro"],), {"n": 5}, "SELECT item_id FROM rec.session_feed(ARRAY['py-intro'], 5)"),
    ("feed", ("dee",), {"filter": {"tags_any": ["category:programming"]}},
     """SELECT item_id FROM rec.feed('dee', filter => '{"tags_any": ["category:programming"]}')"""),
    ("feed", ("ben",), {"type": "trending"}, "SELECT item_id FROM rec.feed('ben', type => 'trending')"),
    ("latest", (), {"filter": {"price": {"lte": 10}}}, """SELECT item_id FROM rec.latest(filter => '{"price": {"lte": 10}}')"""),
    ("trending", (), {"window": "30 days", "filter": {"tags_none": ["tool:figma"]}},
     """SELECT item_id FROM rec.trending("window" => '30 days', filter => '{"tags_none": ["tool:figma"]}')"""),
    ("search", ("python",), {"user_id": "ben", "expand": True, "filter": {"tags_any": ["category:web"]}},
     """SELECT item_id FROM rec.search('python', user_id => 'ben', expand => true,
                                        filter => '{"tags_any": ["category:web"]}')"""),
    ("session_feed", (["py-intro"],), {"filter": {"tags_all": ["tool:python"]}},
     """SELECT item_id FROM rec.session_feed(ARRAY['py-intro'], filter => '{"tags_all": ["tool:python"]}')"""),
]


@pytest.mark.parametrize(("verb", "args", "kwargs", "statement"), LISTS,
                         ids=[f"{verb}-{i}" for i, (verb, *_) in enumerate(LISTS)])
def test_each_list_returns_what_its_function_returns(api_db: ApiDatabase, rec: Any, verb: str, args: tuple,
                                                     kwargs: dict, statement: str) -> None:
    items = getattr(rec, verb)(*args, **kwargs)
    assert items, f"{verb} returned nothing in the test world"
    assert [i.item_id for i in items] == sql_ids(api_db, statement)
    for item in items:
        assert isinstance(item, RankedItem) and isinstance(item.score, float)
        assert math.isclose(sum(item.terms.values()), item.score, abs_tol=1e-9)
        assert all(isinstance(r, str) for r in item.reasons) and item.raw["terms"] == item.terms


def test_lists_keep_what_the_list_adds(rec: Any) -> None:
    near = rec.nearby(52.51, 13.41, radius_km=20)
    assert all(isinstance(i.raw["distance_km"], float) for i in near)


def test_learning_path(api_db: ApiDatabase, rec: Any) -> None:
    steps = rec.learning_path("ben", ["py-web", "sql-basics", "py-intro"])
    assert [(s.step, s.item_id) for s in steps] == [
        tuple(r) for r in api_db.sql("SELECT step, item_id FROM rec.learning_path('ben', ARRAY['py-web', "
                                     "'sql-basics', 'py-intro'])")]
    assert {s.status for s in steps} <= {"completed", "ready", "locked"} and steps[0].status == "completed"


def test_search_embedding_is_sql_only(api_db: ApiDatabase, rec: Any, transport: str) -> None:
    dim = api_db.sql("SELECT rec.embedding_dim()")[0][0]
    embedding = [1.0] + [0.0] * (dim - 1)
    if transport.endswith("http"):
        error = error_of(lambda: rec.search("python", query_embedding=embedding), NotSupported)
        assert error.field == "query_embedding"
    else:
        assert [i.item_id for i in rec.search("python", query_embedding=embedding)] == sql_ids(
            api_db, "SELECT item_id FROM rec.search('python', query_embedding => %s::text::public.vector)",
            (json.dumps(embedding),))


def test_rank_orders_the_callers_ids_and_reports_the_rest(api_db: ApiDatabase, rec: Any) -> None:
    ids = ["sql-basics", "no-such-item", "py-web", "hidden-one", "figma-proto"]
    ranked = rec.rank("ana", ids)
    expected = api_db.sql("SELECT item_id, score, reasons FROM rec.rank('ana', %s)", (ids,))
    assert [(i.item_id, i.score is None) for i in ranked] == [(r[0], r[1] is None) for r in expected]
    listed = [i for i in ranked if i.score is not None]
    assert {i.item_id for i in listed} == {"sql-basics", "py-web"}
    assert all(math.isclose(sum(i.terms.values()), i.score, abs_tol=1e-9) for i in listed)
    rest = {i.item_id: i.raw for i in ranked if i.score is None}
    assert rest["no-such-item"]["unknown"] is True and rest["hidden-one"]["excluded"]
    assert rest["figma-proto"]["excluded"]  # ana blocks tool:figma
    only_web = rec.rank("ana", ids, filter={"tags_any": ["category:web"]})
    assert [i.item_id for i in only_web if i.score is not None] == ["py-web"]
    error = error_of(lambda: rec.rank("ana", [f"x{i}" for i in range(10_000)]), InvalidInput)
    assert error.code == "22023" and error.field == "item_ids"
    error = error_of(lambda: rec.rank("ana", ["py-web"], filter={"tags_any": "x"}), InvalidInput)
    assert error.code == "22023" and error.field == "filter"


def test_recommendation_types(api_db: ApiDatabase, rec: Any) -> None:
    types = {t.type: t.strategy for t in rec.recommendation_types()}
    assert types == dict(api_db.sql("SELECT type, strategy FROM rec.recommendation_types()"))
    assert {"content-based", "collaborative", "trending", "sequential"} <= set(types)
    assert error_of(lambda: rec.feed("ben", type="astrology"), InvalidInput).field == "type"


# --- profiles and consent -------------------------------------------------------------------------

def test_profile_and_its_history(api_db: ApiDatabase, rec: Any, transport: str) -> None:
    user = f"profiled-{transport}"
    assert rec.profile(user).known is False and rec.profile(user).version == 0
    rec.upsert_users([{"id": user, "preferences": {"preferred_tags": {"tool:sql": 2}}}])
    rec.track([{"user_id": user, "item_id": "py-web", "type": "like"}])
    profile = rec.profile(user)
    assert profile.known and profile.version >= 2 and isinstance(profile.updated_at, datetime)
    assert profile.raw == api_db.sql("SELECT rec.profile(%s)", (user,))[0][0] | {"updated_at": profile.raw["updated_at"]}
    sources = {i.tag: i.source for i in profile.interests}
    assert sources["tool:sql"] == "declared" and sources["tool:python"] == "behaviour"
    assert all(0 < i.confidence <= 1 for i in profile.interests) and profile.counts["events"] == 1
    history = rec.profile_history(user)
    assert [v.version for v in history] == list(range(profile.version, 0, -1))
    assert all(isinstance(v.changed_at, datetime) and v.cause for v in history)
    assert [v.version for v in rec.profile_history(user, n=1, before=profile.version)] == [profile.version - 1]
    assert error_of(lambda: rec.profile_history(user, n=0), InvalidInput).field == "n"


def test_consents(api_db: ApiDatabase, rec: Any, transport: str) -> None:
    user = f"consenting-{transport}"
    before = {c.purpose: c for c in rec.consents(user)}
    assert before["analytics"].granted and not before["analytics"].answered
    assert rec.upsert_consents([{"user_id": user, "purpose": "personalization", "granted": False}]) == 1
    after = {c.purpose: c for c in rec.consents(user)}
    assert after["personalization"].granted is False and after["personalization"].answered
    assert isinstance(after["personalization"].updated_at, datetime)
    assert rec.profile(user).personalized is False
    error = error_of(lambda: rec.upsert_consents([{"user_id": user, "purpose": "marketing", "granted": True}]),
                     InvalidInput)
    assert error.code == "22023" and error.field == "consents[0]"


# --- learning ---------------------------------------------------------------------------------------

def test_paths_progress_difficulty_and_achievements(api_db: ApiDatabase, rec: Any, transport: str) -> None:
    path = f"path-{transport}"
    assert rec.upsert_paths([{"id": path, "title": "Python then SQL", "modules": ["py-intro", "py-web", "sql-basics"]}]) == 1
    stored = {p.path_id: p for p in rec.paths()}[path]
    assert stored.modules == ["py-intro", "py-web", "sql-basics"] and stored.title == "Python then SQL"
    progress = rec.path_progress("ben", path)
    assert progress.raw == api_db.sql("SELECT rec.path_progress('ben', %s)", (path,))[0][0]
    assert (progress.completed, progress.total) == (1, 3) and progress.next is not None
    assert [m["status"] for m in progress.modules][2] == "completed"
    assert error_of(lambda: rec.path_progress("ben", "no-such-path"), NotFound).code == "P0002"
    error = error_of(lambda: rec.upsert_paths([{"id": "bad", "modules": ["py-intro", "ghost"]}]), NotFound)
    assert error.code == "P0002" and "ghost" in error.message

    difficulty = rec.recommended_difficulty("ben")
    assert difficulty.raw == api_db.sql("SELECT rec.recommended_difficulty('ben')")[0][0]
    assert difficulty.user_id == "ben" and difficulty.basis

    learner = f"learner-{transport}"
    state = {a.achievement: a for a in rec.achievements(learner)}
    assert state["first_rating"].unlocked is False and state["first_rating"].progress == 0
    assert error_of(lambda: rec.claim_achievement(learner, "first_rating"), InvalidInput).code == "22023"
    rec.track([{"user_id": learner, "item_id": "py-web", "type": "rate", "value": 5}])
    state = {a.achievement: a for a in rec.achievements(learner)}
    assert state["first_rating"].unlocked and isinstance(state["first_rating"].unlocked_at, datetime)
    claim = rec.claim_achievement(learner, "first_rating")
    assert claim.claimed and claim.achievement == "first_rating" and isinstance(claim.claimed_at, datetime)
    assert rec.claim_achievement(learner, "first_rating").claimed is False
    assert error_of(lambda: rec.claim_achievement(learner, "no-such"), NotFound).code == "P0002"


# --- about users and items --------------------------------------------------------------------------

def test_explain_status_and_stats(api_db: ApiDatabase, rec: Any) -> None:
    explanation = rec.explain("ana", "py-web")
    expected = api_db.sql("SELECT rec.explain('ana', 'py-web')")[0][0]
    assert explanation.raw.keys() == expected.keys()  # (values: the recency signal moves with the clock)
    assert (explanation.eligible, explanation.rank, explanation.reasons) == (expected["eligible"], expected["rank"],
                                                                              expected["reasons"])
    assert math.isclose(sum(explanation.terms.values()), explanation.score, abs_tol=1e-9)
    assert rec.explain("ana", "figma-colors").eligible is False  # a blocked tag
    assert rec.explain("ana", "figma-colors").excluded_because

    status = rec.status("ana")
    assert status.user_id == "ana" and status.known and status.counts["preferred_tags"] == 1
    assert rec.status("a-visitor").known is False

    stats = rec.user_stats("ben")
    assert stats.events == 3 and stats.by_type == {"like": 2, "complete": 1}
    assert isinstance(stats.last_at, datetime) and stats.active_days == 1
    assert rec.user_stats("a-visitor").events == 0


def test_strategies(api_db: ApiDatabase, rec: Any) -> None:
    strategies = {s.name: s for s in rec.strategies()}
    assert set(strategies) == set(sql_ids(api_db, "SELECT name FROM rec.strategies()"))
    assert strategies["trending"].list == "trending" and strategies["default"].list == "feed"
    assert strategies["popular"].personalized is False and strategies["explore"].weights["vector"] > 0


# --- privacy ---------------------------------------------------------------------------------------

def test_export_and_forget_user(api_db: ApiDatabase, rec: Any, transport: str) -> None:
    user = f"leaving-{transport}"
    rec.track([{"event_id": f"{user}-{i}", "user_id": user, "item_id": "py-web", "type": "view"} for i in range(3)])
    exported = rec.export_user(user)
    assert exported.user["id"] == user and [e["event_id"] for e in exported.events] == [f"{user}-{i}" for i in range(3)]
    assert exported.raw["events_count"] == 3 and "events" not in exported.raw

    first = rec.export_user_events(user, n=2)
    assert [e["event_id"] for e in first.events] == [f"{user}-0", f"{user}-1"]
    rest = rec.export_user_events(user, after=first.after)
    assert [e["event_id"] for e in rest.events] == [f"{user}-2"]
    assert rec.export_user_events(user, after=rest.after).after is None

    erased = rec.forget_user(user)
    assert erased.user_id == user and erased.erased["events"] == 3 and erased.erased["users"] == 1
    assert error_of(lambda: rec.export_user(user), NotFound).code == "P0002"
    assert error_of(lambda: rec.forget_user(user), NotFound).code == "P0002"
    assert error_of(lambda: rec.forget_user("ana", items="shred"), InvalidInput).code == "22023"


# --- experiments ----------------------------------------------------------------------------------

def test_experiment_variant_and_log_impressions(api_db: ApiDatabase, rec: Any, transport: str) -> None:
    api_db.sql("""SELECT rec.upsert_experiment('{"name": "client_ab", "variants": [
                      {"name": "control", "strategy": "default", "share": 0.5},
                      {"name": "explore", "strategy": "explore", "share": 0.5}]}')
                  WHERE NOT EXISTS (SELECT FROM pgrec.experiments WHERE name = 'client_ab')""")
    user = f"client-ab-{transport}"
    assignment = rec.experiment_variant("client_ab", user)
    expected = api_db.sql("SELECT variant, strategy, running FROM rec.experiment_variant('client_ab', %s)", (user,))
    assert (assignment.variant, assignment.strategy, assignment.running) == expected[0]
    assert error_of(lambda: rec.experiment_variant("no_such_experiment", user), NotFound).code == "P0002"

    request = f"client-req-{transport}"
    assert rec.log_impressions(request, user, ["py-web", "py-intro"], experiment="client_ab") == 2
    assert rec.log_impressions(request, user, ["py-web", "py-intro"], experiment="client_ab") == 0  # a retry
    logged = api_db.sql("SELECT i.external_id, m.position, m.variant FROM pgrec.impressions m "
                        "JOIN pgrec.items i ON i.id = m.item_id WHERE m.request_id = %s ORDER BY m.position", (request,))
    assert logged == [("py-web", 1, assignment.variant), ("py-intro", 2, assignment.variant)]
    error = error_of(lambda: rec.log_impressions(f"{request}-bad", user, ["py-web", "ghost"]), NotFound)
    assert error.code == "P0002" and "ghost" in error.message
    error = error_of(lambda: rec.log_impressions(f"{request}-bad", user, ["py-web", ""]), InvalidInput)
    assert error.field == "items[2]"  # items[k] is position k


# --- errors -----------------------------------------------------------------------------------------

def test_unknown_ids_are_not_found(rec: Any) -> None:
    for action in (lambda: rec.similar_items("no-such-item"), lambda: rec.explain("ana", "no-such-item"),
                   lambda: rec.learning_path("ana", ["no-such-item"])):
        error = error_of(action, NotFound)
        assert error.code == "P0002" and "no-such-item" in error.message and error.status == 404


@pytest.mark.parametrize(("verb", "args", "kwargs", "field", "code"), [
    ("feed", ("ana",), {"n": 0}, "n", "22023"),
    ("feed", ("ana",), {"offset": -1}, "offset", "22023"),
    ("feed", ("x" * 201,), {}, "user_id", "22023"),
    ("feed", (None,), {}, "user_id", "22004"),
    ("feed", ("ana",), {"weights": {"no-such-signal": 1}}, None, "22023"),
    ("trending", (), {"window": "soon"}, None, "22007"),
    ("nearby", (123, 13.4), {}, None, "22023"),  # "coordinates out of range: lat 123, lon 13.4"
    ("nearby", (52.5, 13.4), {"radius_km": 0}, "radius_km", "22023"),
    ("search", ("   ",), {}, "query", "22023"),
    ("session_feed", ([""],), {}, "item_ids[0]", "22023"),
])
def test_malformed_input_names_the_field(rec: Any, transport: str, verb: str, args: tuple, kwargs: dict,
                                         field: str | None, code: str) -> None:
    error = error_of(lambda: getattr(rec, verb)(*args, **kwargs), InvalidInput)
    assert error.field == field and error.code == code and error.message
    assert "SELECT" not in error.message


def test_a_single_id_is_not_a_list(rec: Any) -> None:
    with pytest.raises(TypeError):
        rec.items("py-web")


def test_sql_needs_a_connection_or_a_pool(api_db: ApiDatabase) -> None:
    with pytest.raises(TypeError, match="Connection or ConnectionPool"):
        Client.sql(api_db.app_url)  # a URL: the host app owns connections, the client only uses them


def test_sql_calls_run_in_the_callers_transaction(api_db: ApiDatabase) -> None:
    with psycopg.connect(api_db.app_url) as conn:  # not autocommit: the host app's transaction
        rec = Client.sql(conn)
        assert rec.track([{"event_id": "rolled-back", "user_id": "ana", "item_id": "py-web", "type": "view"}]) == 1
        conn.rollback()
    assert api_db.sql("SELECT count(*) FROM pgrec.events WHERE event_id = 'rolled-back'") == [(0,)]


def test_a_role_without_pgrec_app_is_forbidden(api_db: ApiDatabase) -> None:
    api_db.sql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pgrec_client_outsider') THEN "
               "CREATE ROLE pgrec_client_outsider LOGIN; END IF; END $$")
    with psycopg.connect(as_role(api_db.url, "pgrec_client_outsider"), autocommit=True) as conn:
        error = error_of(lambda: Client.sql(conn).feed("ana"), Forbidden)
    assert error.code == "42501"


def test_an_unreachable_database_is_unavailable(tmp_path: Any) -> None:
    dead = f"host={tmp_path} port=1 dbname=nothing connect_timeout=1"
    with ConnectionPool(dead, min_size=0, max_size=1, timeout=0.5, open=True) as pool:
        error = error_of(lambda: Client.sql(pool).feed("ana"), Unavailable)
    assert error.retryable


def test_http_keys_and_scopes(api_db: ApiDatabase) -> None:
    with api_client(api_db.app_url) as test_client:
        assert error_of(lambda: Client.http(client=test_client).feed("ana"), Unauthorized).status == 401
        assert error_of(lambda: Client.http(api_key="pgrec_wrong", client=test_client).feed("ana"),
                        Unauthorized).code == "unauthorized"
        reader = Client.http(api_key=api_db.keys["reader"], client=test_client)
        assert reader.feed("ana", n=1)
        error = error_of(lambda: reader.track([{"user_id": "ana", "item_id": "py-web", "type": "view"}]), Forbidden)
        assert error.code == "forbidden" and error.request_id
    with api_client(api_db.app_url, api_rate_limit=2) as limited:
        rec = Client.http(api_key=api_db.keys["reader"], client=limited)
        with pytest.raises(RateLimited) as info:
            for _ in range(5):
                rec.feed("ana", n=1)
        assert info.value.retry_after is not None and info.value.retryable


def test_an_unreachable_api_is_unavailable() -> None:
    from tests.helpers import free_port

    with Client.http(f"http://127.0.0.1:{free_port()}", api_key="x", timeout=2) as rec:
        assert error_of(lambda: rec.feed("ana"), Unavailable).retryable


@pytest.mark.parametrize(("sqlstate", "cls"), [
    ("22023", InvalidInput), ("22004", InvalidInput), ("22P02", InvalidInput), ("23502", InvalidInput),
    ("P0002", NotFound), ("23505", Conflict), ("23503", Conflict), ("42501", Forbidden), ("28P01", Unauthorized),
    ("57014", Timeout), ("08006", Unavailable), ("53300", Unavailable), ("57P01", Unavailable),
    ("40001", Unavailable), ("42883", NotSupported), ("XX000", ServerError), ("42P01", ServerError),
    (None, ServerError),
])
def test_sqlstates_map_to_classes(sqlstate: str | None, cls: type[PgrecError]) -> None:
    assert error_for_sqlstate(sqlstate) is cls


@pytest.mark.parametrize(("status", "body", "cls"), [
    (422, {"error": {"code": "22023", "field": "n", "message": "n must be between 1 and 500"}}, InvalidInput),
    (404, {"error": {"code": "P0002", "message": "unknown item"}}, NotFound),
    (409, {"error": {"code": "23505", "message": "exists"}}, Conflict),
    (400, {"error": {"code": "bad_request", "message": "Validation failed", "field": "lat"}}, InvalidInput),
    (413, {"error": {"code": "payload_too_large", "message": "too large"}}, InvalidInput),
    (401, {"error": {"code": "unauthorized", "message": "no key"}}, Unauthorized),
    (403, {"error": {"code": "42501", "message": "the API's role may not"}}, Forbidden),
    (429, {"error": {"code": "rate_limited", "message": "slow down"}}, RateLimited),
    (503, {"error": {"code": "08006", "message": "the database is unavailable"}}, Unavailable),
    (504, {"error": {"code": "57014", "message": "took too long"}}, Timeout),
    (502, None, Unavailable),  # a proxy's answer, not the API's
    (500, "<html>oops</html>", ServerError),
    (418, None, PgrecError),
])
def test_http_answers_map_to_the_same_classes(status: int, body: Any, cls: type[PgrecError]) -> None:
    error = error_for_http(status, body, {"retry-after": "2"})
    assert type(error) is cls and error.status == status and error.retry_after == 2.0
    if isinstance(body, dict):
        assert error.message == body["error"]["message"] and error.field == body["error"].get("field")
