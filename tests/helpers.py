"""Helpers shared by the tests: SQL calls, a fixed clock, small worlds, embeddings, the HTTP
test app, the demo dataset and a live `pgrec serve`. No tests here (and no fixtures: those are
in conftest.py)."""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Iterator

import psycopg
import pytest
from litestar.testing import TestClient

from app.api import create_app
from app.settings import Settings

#: The moment every replayed test world is seen from (rec.as_of).
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
#: The embedding dimension the test template is installed with.
DIM = 384


# --- calling the SQL API ----------------------------------------------------------------------

def call(conn: psycopg.Connection, function: str, payload: Any) -> Any:
    """``SELECT rec.<function>(payload::jsonb)`` and return the scalar result."""
    return conn.execute(f"SELECT rec.{function}(%s::jsonb)", (json.dumps(payload),)).fetchone()[0]


def upsert_items(conn: psycopg.Connection, items: list[dict]) -> None:
    call(conn, "upsert_items", items)


def upsert_users(conn: psycopg.Connection, users: list[dict]) -> None:
    call(conn, "upsert_users", users)


def track(conn: psycopg.Connection, events: list[dict]) -> None:
    call(conn, "track", events)


def query(conn: psycopg.Connection, sql: str, params: Any = ()) -> list[tuple]:
    return conn.execute(sql, params).fetchall()


def sqlstate_of(conn: psycopg.Connection, action: Callable[[], Any]) -> psycopg.Error:
    """Run ``action`` inside a savepoint and return the error it must raise."""
    with pytest.raises(psycopg.Error) as info:
        with conn.transaction():
            action()
    return info.value


def feed(conn: psycopg.Connection, user: str, n: int = 20, offset: int = 0, strategy: str = "default",
         weights: dict | None = None) -> list[tuple[str, float, dict]]:
    return conn.execute("SELECT item_id, score, reasons FROM rec.feed(%s, %s, %s, %s, %s)",
                        (user, n, offset, strategy, None if weights is None else json.dumps(weights))).fetchall()


def feed_ids(conn: psycopg.Connection, user: str, n: int = 20, **kwargs: Any) -> list[str]:
    return [row[0] for row in feed(conn, user, n, **kwargs)]


def item_ids(result: list[tuple]) -> list[str]:
    """item ids of a list result (item_id is the first column, or the second after a step)."""
    return [r[1] if isinstance(r[0], int) else r[0] for r in result]


def explain(conn: psycopg.Connection, user: str, item: str, strategy: str = "default") -> dict:
    return conn.execute("SELECT rec.explain(%s, %s, %s)", (user, item, strategy)).fetchone()[0]


def status(conn: psycopg.Connection, user: str) -> dict:
    return conn.execute("SELECT rec.status(%s)", (user,)).fetchone()[0]


def refresh(conn: psycopg.Connection, what: str = "all") -> dict[str, str]:
    """``rec.refresh(what)`` as {step: outcome}."""
    return {step: outcome for step, outcome, *_ in conn.execute("SELECT * FROM rec.refresh(%s)", (what,)).fetchall()}


# --- time and worlds ----------------------------------------------------------------------------

def iso(moment: datetime) -> str:
    return moment.isoformat()


def ago(**delta: float) -> str:
    """An ISO timestamp that long before NOW: ago(hours=3)."""
    return iso(NOW - timedelta(**delta))


def at(conn: psycopg.Connection, moment: datetime | str = NOW) -> None:
    """Replay the rest of the test's transaction at ``moment`` (rec.as_of)."""
    conn.execute("SELECT set_config('rec.as_of', %s, true)", (moment if isinstance(moment, str) else iso(moment),))


def likes(item: str, users: Iterable[str], when: str, type_: str = "like") -> list[dict]:
    return [{"user_id": u, "item_id": item, "type": type_, "at": when} for u in users]


def vec(**weights: float) -> str:
    """A hand-made embedding in pgvector text form: vec(d0=1, d5=0.5) sets dimensions 0 and 5."""
    values = [0.0] * DIM
    for key, value in weights.items():
        values[int(key[1:])] = value
    return "[" + ",".join(repr(v) for v in values) + "]"


def embed(conn: psycopg.Connection, item: str, embedding: str) -> None:
    conn.execute("UPDATE pgrec.items SET embedding = %s::text::public.vector WHERE external_id = %s", (embedding, item))


# --- assertions -----------------------------------------------------------------------------

def assert_ranked(result: list[tuple]) -> None:
    """Scores best first, ties in item id order."""
    keys = [(-r[1], r[0]) for r in result]
    assert keys == sorted(keys)


def before(order: list[str], a: str, b: str) -> bool:
    """a is ranked above b (both present)."""
    assert a in order and b in order, (a, b, order)
    return order.index(a) < order.index(b)


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll ``condition`` until it holds (the test fails on timeout; nothing assumes a duration)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        pause.wait(0.05)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``condition`` until it returns something true; a bounded wait for another process,
    not a timing assertion."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


# --- the HTTP API under test ----------------------------------------------------------------------
# The API connects as login roles that are only members of pgrec_app (or pgrec_admin): they can
# EXECUTE rec functions and cannot read a pgrec table, exactly as documented for production.

APP_ROLE = "pgrec_http_test_app"
ADMIN_ROLE = "pgrec_http_test_admin"

ITEMS = [
    {"id": "py-intro", "title": "Python for beginners", "description": "Learn Python from scratch",
     "tags": ["tool:python", "category:programming"], "location": {"lat": 52.52, "lon": 13.40}, "price": 10},
    {"id": "py-web", "title": "Web apps with Python", "description": "Build web applications",
     "tags": ["tool:python", "category:web"], "location": {"lat": 52.50, "lon": 13.42}, "price": 20},
    {"id": "figma-colors", "title": "Figma color systems", "description": "Design tokens and palettes",
     "tags": ["tool:figma", "category:design"], "location": {"lat": 48.85, "lon": 2.35}, "price": 15},
    {"id": "figma-proto", "title": "Prototyping in Figma", "description": "Interactive prototypes",
     "tags": ["tool:figma", "category:design"], "price": 5},
    {"id": "sql-basics", "title": "SQL basics", "description": "Query PostgreSQL databases",
     "tags": ["tool:sql", "category:programming"], "price": 0},
    {"id": "hidden-one", "title": "Hidden Python course", "tags": ["tool:python"], "status": "hidden"},
]
USERS = [
    {"id": "ana", "location": {"lat": 52.51, "lon": 13.41},
     "preferences": {"preferred_tags": {"tool:python": 2}, "blocked_tags": ["tool:figma"]}},
    {"id": "ben"},
]
EVENTS = [
    {"event_id": f"seed-{i}", "user_id": u, "item_id": item, "type": t}
    for i, (u, item, t) in enumerate([
        ("ana", "py-intro", "like"), ("ben", "py-intro", "like"), ("ben", "py-web", "like"),
        ("cid", "py-intro", "like"), ("cid", "py-web", "save"), ("cid", "sql-basics", "view"),
        ("dee", "figma-colors", "like"), ("dee", "figma-proto", "like"), ("eve", "figma-colors", "like"),
        ("eve", "figma-proto", "click"), ("ben", "sql-basics", "complete"), ("cid", "figma-colors", "view"),
    ])
]


@dataclass
class ApiDatabase:
    name: str
    url: str  # superuser: seeding and inspection
    app_url: str  # login role in pgrec_app only
    admin_url: str  # login role in pgrec_admin
    keys: dict[str, str]  # scope set name -> secret

    def bearer(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[key]}"}

    def sql(self, statement: str, params: Any = None) -> list[tuple]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            cur = conn.execute(statement, params)
            return cur.fetchall() if cur.description else []


def as_role(url: str, role: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["user"] = role
    info.pop("password", None)
    return psycopg.conninfo.make_conninfo(**info)


def login_role(server_url: str, role: str, member_of: str) -> None:
    """A LOGIN role that is a member of ``member_of`` only (roles are cluster-wide: created once, kept)."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                    CREATE ROLE {role} LOGIN;
                END IF;
            END $$""")
        conn.execute(f"GRANT {member_of} TO {role}")


def ensure_roles(server_url: str) -> None:
    """Login roles for the API (roles are cluster-wide: create once, keep)."""
    login_role(server_url, APP_ROLE, "pgrec_app")
    login_role(server_url, ADMIN_ROLE, "pgrec_admin")


def seed(url: str) -> dict[str, str]:
    """Demo rows, derived data and one key per scope combination."""
    keys: dict[str, str] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT rec.upsert_items(%s::jsonb)", (json.dumps(ITEMS),))
        conn.execute("SELECT rec.upsert_users(%s::jsonb)", (json.dumps(USERS),))
        conn.execute("SELECT rec.track(%s::jsonb)", (json.dumps(EVENTS),))
        conn.execute("SELECT * FROM rec.refresh()")
        for name, scopes in (("reader", ["read"]), ("writer", ["write"]), ("admin", ["admin"]),
                             ("all", ["read", "write", "admin"])):
            keys[name] = conn.execute("SELECT secret FROM rec.create_api_key(%s, %s)", (name, scopes)).fetchone()[0]
    return keys


def make_settings(**overrides: Any) -> Settings:
    """Settings for a test app: no rate limit, no key or readiness cache (a key created by a test
    works at once), short pool wait, embeddings off (a test that wants them sets a stub
    provider), unless overridden."""
    base = Settings()
    return replace(base, **{"api_rate_limit": 0, "api_key_cache_seconds": 0, "api_pool_timeout": 2.0,
                            "api_ready_cache_seconds": 0, "api_key_prefix_reload_seconds": 0,
                            "api_embed_queries": False, "api_public_reads": False, **overrides})


@contextmanager
def api_client(conninfo: str, **overrides: Any) -> Iterator[TestClient]:
    """A Litestar test client for an app connected with ``conninfo``."""
    app = create_app(make_settings(**overrides), conninfo=conninfo)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


# --- every public function, called once (scale-out tests) ------------------------------------
# The read functions are the STABLE ones: they must run on a hot standby and on a Citus
# coordinator. The write functions are the VOLATILE ones: they must run on a coordinator and
# fail with 25006 on a standby. A test checks that these two lists name every public function.

@dataclass(frozen=True)
class World:
    """Ids in a loaded database that the calls below use."""

    user: str           # a user with history
    item: str           # an item with neighbours
    items: list[str]    # a few items (a session, a course, a lookup)
    lat: float
    lon: float
    words: str          # a search query that matches something


def read_calls(w: World) -> list[tuple[str, str, tuple]]:
    """(function, statement, parameters) for every public read function."""
    return [
        ("activity", "SELECT * FROM rec.activity('30 days', '1 day')", ()),
        ("api_keys", "SELECT * FROM rec.api_keys()", ()),
        ("due_steps", "SELECT * FROM rec.due_steps()", ()),
        ("embed_status", "SELECT rec.embed_status()", ()),
        ("embedding_dim", "SELECT rec.embedding_dim()", ()),
        ("explain", "SELECT rec.explain(%s, %s)", (w.user, w.item)),
        ("export_user_events", "SELECT * FROM rec.export_user_events(%s, 0, 50)", (w.user,)),
        ("feed", "SELECT * FROM rec.feed(%s, 10)", (w.user,)),
        ("freshness", "SELECT * FROM rec.freshness()", ()),
        ("installation", "SELECT rec.installation()", ()),
        ("items", "SELECT * FROM rec.items(%s)", (w.items,)),
        ("latest", "SELECT * FROM rec.latest(10)", ()),
        ("learning_path", "SELECT * FROM rec.learning_path(%s, %s)", (w.user, w.items)),
        ("nearby", "SELECT * FROM rec.nearby(%s, %s, 50, 10, %s)", (w.lat, w.lon, w.user)),
        ("next_items", "SELECT * FROM rec.next_items(%s, 10)", (w.user,)),
        ("now", "SELECT rec.now()", ()),
        ("onboarding_questions", "SELECT * FROM rec.onboarding_questions()", ()),
        ("refresh_status", "SELECT * FROM rec.refresh_status()", ()),
        ("replication", "SELECT rec.replication()", ()),
        ("rules", "SELECT * FROM rec.rules()", ()),
        ("search", "SELECT * FROM rec.search(%s, 10, %s)", (w.words, w.user)),
        ("session_feed", "SELECT * FROM rec.session_feed(%s, 10)", (w.items[:2],)),
        ("similar_items", "SELECT * FROM rec.similar_items(%s, 10, %s)", (w.item, w.user)),
        ("status", "SELECT rec.status(%s)", (w.user,)),
        ("strategies", "SELECT * FROM rec.strategies()", ()),
        ("trending", "SELECT * FROM rec.trending(10)", ()),
        ("trending", "SELECT * FROM rec.trending(10, 0, '6 hours', %s)", (w.user,)),
        ("user_stats", "SELECT * FROM rec.user_stats(%s)", (w.user,)),
        ("api_key_prefixes", "SELECT * FROM rec.api_key_prefixes()", ()),
        ("models", "SELECT * FROM rec.models()", ()),
        ("last_event_id", "SELECT rec.last_event_id()", ()),
        ("model_interactions", "SELECT * FROM rec.model_interactions('itemknn')", ()),
        ("feed_candidates", "SELECT * FROM rec.feed_candidates(%s, n => 20)", (w.user,)),
        ("experiments", "SELECT * FROM rec.experiments()", ()),
        ("experiment_variant", "SELECT * FROM rec.experiment_variant(%s, %s)", (EXPERIMENT, w.user)),
        ("experiment_report", "SELECT * FROM rec.experiment_report(%s)", (EXPERIMENT,)),
        ("feed_metrics", "SELECT * FROM rec.feed_metrics()", ()),
        ("score_distribution", "SELECT rec.score_distribution(NULL, 5, 5)", ()),
        ("following", "SELECT * FROM rec.following(%s)", (w.user,)),
        ("rank", "SELECT * FROM rec.rank(%s, %s)", (w.user, w.items)),
        ("recommendation_types", "SELECT * FROM rec.recommendation_types()", ()),
        ("profile", "SELECT rec.profile(%s)", (w.user,)),
        ("profile_history", "SELECT * FROM rec.profile_history(%s)", (w.user,)),
        ("consents", "SELECT * FROM rec.consents(%s)", (w.user,)),
        ("paths", "SELECT * FROM rec.paths()", ()),
        ("path_progress", "SELECT rec.path_progress(%s, %s)", (w.user, PATH)),
        ("recommended_difficulty", "SELECT rec.recommended_difficulty(%s)", (w.user,)),
        ("achievements", "SELECT * FROM rec.achievements(%s)", (w.user,)),
        ("analytics", "SELECT * FROM rec.analytics('30d')", ()),
        ("audit_log", "SELECT * FROM rec.audit_log()", ()),
    ]


def write_calls(w: World) -> list[tuple[str, str, tuple]]:
    """(function, statement, parameters) for every public write function, in an order that
    works on one database (each call's inputs exist by then)."""
    events = [{"event_id": "scale-1", "user_id": "scale-user", "item_id": w.item, "type": "like"},
              {"event_id": "scale-2", "user_id": "scale-user", "item_id": w.item, "type": "rate", "value": 4}]
    # The world's user, who exists on a standby too (there unfollow must try to write).
    follow = [{"user_id": w.user, "creator_id": "scale-creator"}]
    return [
        ("upsert_items", "SELECT rec.upsert_items(%s::jsonb)",
         (json.dumps([{"id": "scale-item", "title": "Scale-out notes", "tags": ["tag:scale"], "creator_id": "scale-creator",
                       "location": {"lat": w.lat, "lon": w.lon}}]),)),
        ("upsert_users", "SELECT rec.upsert_users(%s::jsonb)",
         (json.dumps([{"id": "scale-user", "preferences": {"preferred_tags": ["tag:scale"]}}]),)),
        ("track", "SELECT rec.track(%s::jsonb)", (json.dumps(events),)),
        ("submit_onboarding", "SELECT rec.submit_onboarding('scale-user', '{}'::jsonb)", ()),
        ("follow", "SELECT rec.follow(%s::jsonb)", (json.dumps(follow),)),
        ("unfollow", "SELECT rec.unfollow(%s::jsonb)", (json.dumps(follow),)),
        ("upsert_consents", "SELECT rec.upsert_consents(%s::jsonb)",
         (json.dumps([{"user_id": "scale-user", "purpose": "analytics", "granted": False}]),)),
        ("upsert_paths", "SELECT rec.upsert_paths(%s::jsonb)",
         (json.dumps([{"id": "scale-path-written", "title": "Written", "modules": ["scale-item"]}]),)),
        ("claim_achievement", "SELECT rec.claim_achievement('scale-user', 'first_rating')", ()),
        ("upsert_rules", "SELECT rec.upsert_rules(%s::jsonb)",
         (json.dumps([{"name": "scale-rule", "boost": 0.2, "tag": "tag:scale"}]),)),
        ("delete_rules", "SELECT rec.delete_rules(ARRAY['scale-rule'])", ()),
        ("refresh", "SELECT * FROM rec.refresh('trending')", ()),
        ("set_model_parameters", "SELECT rec.set_model_parameters('als', '{}'::jsonb)", ()),
        ("store_neighbors", "SELECT rec.store_neighbors('itemknn', '{}', '{}', '{}')", ()),
        ("store_user_candidates", "SELECT rec.store_user_candidates('als', '{}', '{}', '{}')", ()),
        ("store_factors", "SELECT rec.store_factors('item', '{}', '{}')", ()),
        ("record_model_fit", "SELECT rec.record_model_fit('als', 1.0, 1, 1, 1, '{}'::jsonb, rec.last_event_id())", ()),
        ("clear_model", "SELECT rec.clear_model('als')", ()),
        ("store_tuned_strategy", "SELECT rec.store_tuned_strategy('scale_tuned', 'default', %s::jsonb, '{}', '{}')",
         (json.dumps({"ease": 1}),)),
        ("replay_split", "SELECT * FROM rec.replay_split(20, 5)", ()),
        ("upsert_experiment", "SELECT rec.upsert_experiment(%s::jsonb)", (json.dumps(
            {"name": "scale_written", "variants": [{"name": "control", "strategy": "default", "share": 0.5},
                                                   {"name": "other", "strategy": "explore", "share": 0.5}]}),)),
        ("log_impressions", "SELECT rec.log_impressions('scale-request', 'scale-user', ARRAY[%s], %s, 'control')",
         (w.item, EXPERIMENT)),
        ("end_experiment", "SELECT rec.end_experiment(%s)", (EXPERIMENT,)),
        ("prune_impressions", "SELECT rec.prune_impressions('30 days')", ()),
        ("create_event_partitions", "SELECT rec.create_event_partitions(rec.now(), rec.now())", ()),
        ("lock_step", "SELECT rec.lock_step('embeddings')", ()),
        ("unlock_step", "SELECT rec.unlock_step('embeddings')", ()),
        ("log_job_run", "SELECT rec.log_job_run('embeddings', now(), 'ok', 0, 'scale-out test')", ()),
        ("embed_requeue", "SELECT rec.embed_requeue(ARRAY[%s])", (w.item,)),
        ("embed_claim", "SELECT * FROM rec.embed_claim(5)", ()),
        ("embed_store", "SELECT rec.embed_store(ARRAY[]::bigint[], ARRAY[]::text[], ARRAY[]::public.vector[])", ()),
        ("embed_fail", "SELECT rec.embed_fail(ARRAY[]::bigint[], 'scale-out test')", ()),
        ("embed_bulk_begin", "SELECT rec.embed_bulk_begin()", ()),
        ("embed_bulk_finish", "SELECT rec.embed_bulk_finish()", ()),
        ("create_api_key", "SELECT * FROM rec.create_api_key('scale-key', ARRAY['read'])", ()),
        ("authenticate", "SELECT * FROM rec.authenticate('pgrec_000000000000_unknown')", ()),
        ("revoke_api_key", "SELECT rec.revoke_api_key('scale-key')", ()),
        ("export_user", "SELECT rec.export_user(%s)", (w.user,)),
        ("forget_user", "SELECT rec.forget_user('scale-user')", ()),
        ("unforget_user", "SELECT rec.unforget_user('scale-user')", ()),
    ]


#: The experiment the read calls report on: :func:`prepare_calls` creates it.
EXPERIMENT = "scale_read"
#: The learning path the read calls report progress on: :func:`prepare_calls` creates it.
PATH = "scale_path"

#: Calls that hold out events (a replay) and so can only roll back: :func:`run_call` runs them
#: in a transaction it rolls back.
ROLLED_BACK = {"replay_split"}


def prepare_calls(conn: psycopg.Connection, w: World) -> None:
    """What the read calls need besides the loaded data: the experiment they report on and a
    learning path of the world's items."""
    conn.execute("SELECT rec.upsert_paths(%s::jsonb)", (json.dumps([{"id": PATH, "modules": w.items}]),))
    conn.execute("SELECT rec.upsert_experiment(%s::jsonb)", (json.dumps(
        {"name": EXPERIMENT, "starts_at": "2020-01-01T00:00:00Z",
         "variants": [{"name": "control", "strategy": "default", "share": 0.5},
                                          {"name": "other", "strategy": "explore", "share": 0.5}]}),))


def run_call(conn: psycopg.Connection, function: str, statement: str, params: tuple) -> None:
    """Run one call of :func:`read_calls` or :func:`write_calls` (on an autocommit connection)."""
    if function in ROLLED_BACK:
        with conn.transaction(force_rollback=True):
            conn.execute(statement, params).fetchall()
    else:
        conn.execute(statement, params).fetchall()


def public_functions(conn: psycopg.Connection) -> dict[str, str]:
    """Every function an application or operator role may call: name -> volatility (s, i, v)."""
    return dict(conn.execute(
        "SELECT p.proname, p.provolatile FROM pg_proc p WHERE p.pronamespace = 'rec'::regnamespace "
        "AND (has_function_privilege('pgrec_app', p.oid, 'EXECUTE') OR has_function_privilege('pgrec_admin', p.oid, 'EXECUTE'))"
    ).fetchall())


# --- the demo dataset and a live `pgrec serve` ----------------------------------------------------

@contextmanager
def demo_database(server_url: str, template_url: str, prefix: str, world: str = "generic",
                  size: Any = None) -> Iterator[str]:
    """A database of its own holding a demo world whose history ends now, loaded through the
    public API as `pgrec demo` loads it: by default the dataset `make run` loads (seed 42), or an
    application world (`world`, `size`); dropped after."""
    import os
    import uuid

    from rich.console import Console

    from app.db import with_database
    from app.demo import DemoSize, generate_world
    from app.loader import load_dataset

    template = psycopg.conninfo.conninfo_to_dict(template_url)["dbname"]
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    url = with_database(server_url, name)
    try:
        with open(os.devnull, "w") as quiet:
            load_dataset(url, generate_world(world, size or DemoSize(), now=datetime.now(timezone.utc)),
                         console=Console(file=quiet))
        yield url
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def serving(env: dict[str, str], log_path: Any) -> Iterator[int]:
    """`pgrec serve` in a subprocess on a free port with ``env``, until it is ready; stopped after."""
    import subprocess
    import sys

    import httpx

    from app import ROOT

    port = free_port()
    with open(log_path, "w") as log:
        process = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port)], cwd=ROOT,
                                   env=env, stdout=log, stderr=subprocess.STDOUT)

    def ready() -> bool:
        assert process.poll() is None, open(log_path).read()[-2000:]
        try:
            return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(ready, 60, "pgrec serve")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def example_sql(name: str) -> list[str]:
    """The SQL statements of examples/NAME/README.md's sql blocks, in order."""
    import re

    from app import ROOT

    text = (ROOT / "examples" / name / "README.md").read_text()
    return [s.strip() for block in re.findall(r"```sql\n(.*?)```", text, re.S)
            for s in re.split(r";\s*(?:--[^\n]*)?\n", block) if s.strip() and not s.strip().startswith("--")]
