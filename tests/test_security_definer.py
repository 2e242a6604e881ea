"""SECURITY DEFINER hygiene, checked in the catalog and then attacked.

pgrec's entry points run as their owner so that callers need EXECUTE only. That is safe only if
a caller cannot change what the function's names resolve to. PostgreSQL searches the caller's
temporary schema *first* for tables and types unless ``search_path`` lists ``pg_temp``
explicitly (last), so a definer function with ``search_path = pg_catalog, public`` reads the
caller's temp table ``pg_constraint`` instead of the catalog, and uses the caller's temp domain
``jsonb`` (whose CHECK runs the caller's function, as the owner) for its own variables.

The catalog test states the rule for every definer function; the attack tests are what a LOGIN
role that is only a member of pgrec_app can do when the rule is broken.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest

from tests.helpers import as_role, login_role

INTRUDER = "pgrec_test_intruder"
OWNER = "pgrec_owner"
# Functions in rec that PUBLIC may execute on purpose. None: every grant is to pgrec_app or
# pgrec_admin (sql/api/9*_grants*.sql).
PUBLIC_BY_DESIGN: set[str] = set()


def definer_functions(conn: psycopg.Connection) -> list[dict[str, Any]]:
    rows = conn.execute("""
        SELECT p.oid::regprocedure::text AS name, coalesce(p.proconfig, '{}') AS config,
               r.rolname AS owner, r.rolsuper AS superuser, r.rolcanlogin AS login,
               r.rolcreaterole AS createrole, r.rolbypassrls AS bypassrls
        FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner
        WHERE p.prosecdef AND p.pronamespace IN ('rec'::regnamespace, 'pgrec'::regnamespace)
        ORDER BY 1""").fetchall()
    columns = ("name", "config", "owner", "superuser", "login", "createrole", "bypassrls")
    return [dict(zip(columns, row)) for row in rows]


def search_path_of(config: list[str]) -> str | None:
    for entry in config:
        if entry.startswith("search_path="):
            return entry.split("=", 1)[1]
    return None


def test_definer_functions_pin_search_path_with_pg_temp_last(conn: psycopg.Connection) -> None:
    functions = definer_functions(conn)
    assert len(functions) >= 30  # the entry points really are definer functions
    wrong = []
    for f in functions:
        path = search_path_of(f["config"])
        entries = [e.strip() for e in (path or "").split(",")]
        if path is None:
            wrong.append(f"{f['name']}: no search_path")
        elif path not in ('""', "''") and entries[-1] != "pg_temp":
            wrong.append(f"{f['name']}: search_path = {path}")
    assert not wrong, "definer functions that search the caller's temp schema first:\n" + "\n".join(wrong)


def test_helpers_called_by_definer_functions_keep_pg_temp_last(conn: psycopg.Connection) -> None:
    """An internal function runs as the owner too when an entry point calls it, and its own
    ``SET search_path`` replaces the entry point's: a helper with ``pg_catalog, public`` opens
    the same hole again (rec.trending reaches the caller's temp domain that way)."""
    rows = conn.execute("""
        SELECT p.oid::regprocedure::text, p.proconfig FROM pg_proc p
        WHERE p.pronamespace IN ('rec'::regnamespace, 'pgrec'::regnamespace) AND NOT p.prosecdef
        ORDER BY 1""").fetchall()
    wrong = []
    for name, config in rows:
        path = search_path_of(config or [])
        if path is not None and path not in ('""', "''") and path.split(",")[-1].strip() != "pg_temp":
            wrong.append(f"{name}: search_path = {path}")
    assert not wrong, "helpers that search the caller's temp schema first:\n" + "\n".join(wrong)


def test_definer_functions_are_owned_by_a_nologin_non_superuser(conn: psycopg.Connection) -> None:
    wrong = [f"{f['name']}: owner {f['owner']} (superuser={f['superuser']}, login={f['login']}, "
             f"createrole={f['createrole']}, bypassrls={f['bypassrls']})"
             for f in definer_functions(conn)
             if f["superuser"] or f["login"] or f["createrole"] or f["bypassrls"] or f["owner"] != OWNER]
    assert not wrong, "\n".join(wrong)
    # ...and the owner does not inherit power from elsewhere: no superuser or server-file roles.
    inherited = conn.execute("""
        SELECT r.rolname FROM pg_roles r
        WHERE pg_has_role(%s, r.oid, 'USAGE') AND r.rolname <> %s
          AND (r.rolsuper OR r.rolname IN ('pg_read_server_files', 'pg_write_server_files',
                                           'pg_execute_server_program', 'pg_read_all_data', 'pg_write_all_data'))
        """, (OWNER, OWNER)).fetchall()
    assert not inherited


def test_no_rec_function_is_executable_by_public(conn: psycopg.Connection) -> None:
    public = {r[0] for r in conn.execute("""
        SELECT p.proname FROM pg_proc p
        WHERE p.pronamespace = 'rec'::regnamespace AND has_function_privilege('public', p.oid, 'EXECUTE')""")}
    assert public == PUBLIC_BY_DESIGN


def test_internal_functions_are_not_granted_to_callers(conn: psycopg.Connection) -> None:
    granted = [r[0] for r in conn.execute("""
        SELECT p.oid::regprocedure::text FROM pg_proc p
        WHERE p.pronamespace = 'rec'::regnamespace AND p.proname LIKE '\\_%%'
          AND (has_function_privilege('pgrec_app', p.oid, 'EXECUTE')
               OR has_function_privilege('pgrec_admin', p.oid, 'EXECUTE'))""")]
    assert not granted


def test_callers_cannot_create_objects_on_a_definer_search_path(conn: psycopg.Connection) -> None:
    # pg_temp is last on the path, so only schemas before it matter: a caller who could create
    # `public.jsonb` would shadow nothing (pg_catalog comes first) but could add operators.
    for role in ("pgrec_app", "pgrec_admin"):
        for schema in ("public", "rec", "pgrec", "pg_catalog"):
            assert not conn.execute("SELECT has_schema_privilege(%s, %s, 'CREATE')", (role, schema)).fetchone()[0], \
                (role, schema)


# --- the attacks -------------------------------------------------------------------------------

@pytest.fixture
def attack_db(server_url: str, fresh_db: str) -> tuple[str, str]:
    """(superuser URL, intruder URL) of a database with a victim, items and an API key."""
    login_role(server_url, INTRUDER, "pgrec_app")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("SELECT rec.upsert_users('[{\"id\": \"victim\"}, {\"id\": \"victim2\"}]')")
        conn.execute("SELECT rec.upsert_items(%s)", (json.dumps([{"id": f"item-{i}", "title": f"Item {i}"}
                                                                for i in range(6)]),))
        conn.execute("SELECT rec.create_api_key('ops', ARRAY['admin'])")
    return fresh_db, as_role(fresh_db, INTRUDER)


SHADOW_CATALOG = """
    CREATE TEMP TABLE pg_constraint (conrelid oid, contype text, confrelid oid, conkey int2[]);
    CREATE TEMP TABLE pg_class (oid oid, relname name);
    CREATE TEMP TABLE pg_attribute (attrelid oid, attnum int2, attname name);
    -- "pgrec.{target} references pgrec.users through its column 1": forget_user deletes, and
    -- export_user reads, the rows of {target} whose id equals the victim's internal id.
    INSERT INTO pg_temp.pg_constraint
    SELECT t.oid, 'f', u.oid, '{{1}}' FROM pg_catalog.pg_class t, pg_catalog.pg_class u
    WHERE t.relname = '{target}' AND t.relnamespace = 'pgrec'::regnamespace
      AND u.relname = 'users' AND u.relnamespace = 'pgrec'::regnamespace;
    INSERT INTO pg_temp.pg_class SELECT conrelid, '{target}' FROM pg_temp.pg_constraint;
    INSERT INTO pg_temp.pg_attribute SELECT conrelid, 1, 'id' FROM pg_temp.pg_constraint;
"""


def counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM pgrec.{t}").fetchone()[0]
                for t in ("items", "api_keys", "users", "tags")}


def test_temp_catalog_shadow_cannot_make_forget_user_delete_items(attack_db: tuple[str, str]) -> None:
    url, intruder = attack_db
    before = counts(url)
    with psycopg.connect(intruder, autocommit=True) as conn:
        conn.execute(SHADOW_CATALOG.format(target="items"))
        try:
            conn.execute("SELECT rec.forget_user('victim')")
        except psycopg.Error:
            pass  # refusing is fine too; deleting items is not
    after = counts(url)
    assert after["items"] == before["items"], "forget_user deleted items through the caller's temp pg_constraint"
    assert after["api_keys"] == before["api_keys"]


def test_temp_catalog_shadow_cannot_make_export_user_read_other_tables(attack_db: tuple[str, str]) -> None:
    url, intruder = attack_db
    with psycopg.connect(intruder, autocommit=True) as conn:
        conn.execute(SHADOW_CATALOG.format(target="api_keys"))
        try:
            exported = conn.execute("SELECT rec.export_user('victim')").fetchone()[0]
        except psycopg.Error:
            exported = {}
    text = json.dumps(exported)
    assert "api_keys" not in text and "secret_hash" not in text, "export_user leaked rows of pgrec.api_keys"


SPY = """
    CREATE FUNCTION pg_temp.spy() RETURNS pg_catalog.bool LANGUAGE plpgsql AS $spy$
    BEGIN
        -- Evidence first (a notice reaches the client even if the statement fails later),
        -- then the damage an owner could do.
        RAISE NOTICE 'spy ran as %', current_user;
        BEGIN
            DELETE FROM pgrec.items;
        EXCEPTION WHEN OTHERS THEN NULL;
        END;
        RETURN true;
    END $spy$;
    CREATE DOMAIN pg_temp.jsonb AS pg_catalog.jsonb CHECK (pg_temp.spy());
    CREATE DOMAIN pg_temp.text AS pg_catalog.text CHECK (pg_temp.spy());
    CREATE DOMAIN pg_temp.timestamptz AS pg_catalog.timestamptz CHECK (pg_temp.spy());
    CREATE DOMAIN pg_temp.vector AS public.vector CHECK (pg_temp.spy());
"""

# Definer functions pgrec_app may call, each with arguments it accepts. Their bodies declare
# variables of type jsonb, text or timestamptz (looked up by name when the body is compiled).
APP_CALLS = [
    ("forget_user", "SELECT rec.forget_user('victim2')"),
    ("export_user", "SELECT rec.export_user('victim')"),
    ("track", """SELECT rec.track('[{"event_id": "spy-1", "user_id": "victim", "item_id": "item-1", "type": "like"}]')"""),
    ("upsert_items", """SELECT rec.upsert_items('[{"id": "item-1", "title": "renamed"}]')"""),
    ("upsert_users", """SELECT rec.upsert_users('[{"id": "victim", "preferences": {"preferred_tags": ["x"]}}]')"""),
    ("submit_onboarding", """SELECT rec.submit_onboarding('victim', '{"level": "beginner"}')"""),
    ("feed", "SELECT * FROM rec.feed('victim', 5)"),
    ("trending", "SELECT * FROM rec.trending(5, 0, '6 hours')"),
    ("search", "SELECT * FROM rec.search('item', 5)"),
    ("authenticate", "SELECT * FROM rec.authenticate('pgrec_000000000000_' || repeat('0', 64))"),
]


@pytest.mark.parametrize(("function", "statement"), APP_CALLS, ids=[f for f, _ in APP_CALLS])
def test_temp_domain_cannot_run_caller_code_as_the_owner(attack_db: tuple[str, str], function: str,
                                                         statement: str) -> None:
    url, intruder = attack_db
    before = counts(url)
    ran_as: list[str] = []
    with psycopg.connect(intruder, autocommit=True) as conn:
        conn.add_notice_handler(lambda d: ran_as.append((d.message_primary or "").removeprefix("spy ran as ")))
        conn.execute(SPY)
        try:
            conn.execute(statement)
        except psycopg.Error:
            pass  # a refusal is fine; running the caller's code as the owner is not
    assert set(ran_as) <= {INTRUDER}, f"rec.{function} ran the caller's code as {sorted(set(ran_as) - {INTRUDER})}"
    assert counts(url)["items"] == before["items"]
    with psycopg.connect(url) as conn:
        assert not conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", (INTRUDER,)).fetchone()[0]
