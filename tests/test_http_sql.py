"""The SQL behind the HTTP API: hashed API keys, erasing and exporting a user, readiness and
freshness facts. Called as SQL, the way a DBA would."""

from __future__ import annotations

import hashlib
import re

import psycopg
import pytest

from support import call, refresh, sqlstate_of


def create_key(conn: psycopg.Connection, name: str, scopes: list[str] | None = None) -> tuple:
    if scopes is None:
        return conn.execute("SELECT * FROM rec.create_api_key(%s)", (name,)).fetchone()
    return conn.execute("SELECT * FROM rec.create_api_key(%s, %s)", (name, scopes)).fetchone()


def test_api_key_is_stored_as_a_digest_and_verified(conn: psycopg.Connection) -> None:
    name, prefix, scopes, secret = create_key(conn, "web", ["write", "read", "read"])
    assert (name, scopes) == ("web", ["read", "write"])  # sorted, deduplicated
    assert re.fullmatch(r"pgrec_[0-9a-f]{12}_[0-9a-f]{64}", secret) and secret.startswith(f"pgrec_{prefix}_")
    stored = conn.execute("SELECT secret_hash FROM pgrec.api_keys WHERE name = 'web'").fetchone()[0]
    assert bytes(stored) == hashlib.sha256(secret.encode()).digest()
    assert secret not in str(conn.execute("SELECT t::text FROM pgrec.api_keys t").fetchall())
    assert conn.execute("SELECT * FROM rec.authenticate(%s)", (secret,)).fetchall() == [("web", ["read", "write"])]
    assert conn.execute("SELECT last_used_at IS NOT NULL FROM pgrec.api_keys WHERE name = 'web'").fetchone()[0]
    # Another key's prefix with this secret part, a truncated secret, garbage: all no row.
    other = create_key(conn, "other")[3]
    spliced = other[:19] + secret[19:]
    for wrong in (spliced, secret[:-1], "", "pgrec_", None):
        assert conn.execute("SELECT * FROM rec.authenticate(%s)", (wrong,)).fetchall() == []
    assert create_key(conn, "default-scope")[2] == ["read"]


def test_revoked_key_no_longer_authenticates(conn: psycopg.Connection) -> None:
    secret = create_key(conn, "temp")[3]
    assert conn.execute("SELECT rec.revoke_api_key('temp')").fetchone()[0] is True
    assert conn.execute("SELECT rec.revoke_api_key('temp')").fetchone()[0] is False
    assert conn.execute("SELECT * FROM rec.authenticate(%s)", (secret,)).fetchall() == []
    listed = {r[0]: r for r in conn.execute("SELECT * FROM rec.api_keys()")}
    assert listed["temp"][5] is not None  # revoked_at


@pytest.mark.parametrize(("name", "scopes", "sqlstate"), [
    (None, ["read"], "22004"), ("bad name", ["read"], "22023"), ("", ["read"], "22023"),
    ("ok", [], "22004"), ("ok", ["root"], "22023"), ("ok", [None], "22023"),
])
def test_create_api_key_validation(conn: psycopg.Connection, name, scopes, sqlstate: str) -> None:
    exc = sqlstate_of(conn, lambda: create_key(conn, name, scopes))
    assert exc.sqlstate == sqlstate


def test_key_names_are_unique_and_revoking_unknown_is_not_found(conn: psycopg.Connection) -> None:
    create_key(conn, "dup")
    assert sqlstate_of(conn, lambda: create_key(conn, "dup")).sqlstate == "23505"
    assert sqlstate_of(conn, lambda: conn.execute("SELECT rec.revoke_api_key('ghost')")).sqlstate == "P0002"


def seed_user(conn: psycopg.Connection) -> None:
    call(conn, "upsert_items", [{"id": "a", "title": "A"}, {"id": "b"}])
    call(conn, "upsert_users", [{"id": "zoe", "location": {"lat": 1, "lon": 2},
                                 "preferences": {"preferred_tags": {"tool:sql": 2}, "blocked_tags": ["spam"]}}])
    call(conn, "track", [{"event_id": "z1", "user_id": "zoe", "item_id": "a", "type": "like"},
                         {"event_id": "z2", "user_id": "zoe", "item_id": "b", "type": "view"},
                         {"event_id": "o1", "user_id": "other", "item_id": "a", "type": "like"}])


def test_forget_user_erases_everything_that_references_the_user(conn: psycopg.Connection) -> None:
    seed_user(conn)
    # A table a later feature might add: found through its foreign key, erased too.
    conn.execute("CREATE TABLE pgrec.test_user_notes (user_id bigint REFERENCES pgrec.users (id), note text)")
    conn.execute("INSERT INTO pgrec.test_user_notes SELECT id, 'hi' FROM pgrec.users WHERE external_id = 'zoe'")
    refresh(conn, "stats")
    assert conn.execute("SELECT s.events FROM pgrec.item_stats s JOIN pgrec.items i ON i.id = s.item_id "
                        "WHERE i.external_id = 'a'").fetchone()[0] == 2

    result = conn.execute("SELECT rec.forget_user('zoe')").fetchone()[0]
    assert result["user_id"] == "zoe"
    assert result["erased"]["events"] == 2 and result["erased"]["user_tags"] == 2
    assert result["erased"]["test_user_notes"] == 1 and result["erased"]["users"] == 1
    assert conn.execute("SELECT count(*) FROM pgrec.users WHERE external_id = 'zoe'").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM pgrec.test_user_notes").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM pgrec.events").fetchone()[0] == 1  # other users keep theirs
    refresh(conn, "stats")
    assert conn.execute("SELECT s.events FROM pgrec.item_stats s JOIN pgrec.items i ON i.id = s.item_id "
                        "WHERE i.external_id = 'a'").fetchone()[0] == 1
    assert sqlstate_of(conn, lambda: conn.execute("SELECT rec.forget_user('zoe')")).sqlstate == "P0002"
    assert sqlstate_of(conn, lambda: conn.execute("SELECT rec.forget_user(NULL)")).sqlstate == "22004"


def test_export_user_round_trips_through_the_write_functions(conn: psycopg.Connection) -> None:
    seed_user(conn)
    conn.execute("CREATE TABLE pgrec.test_user_notes (user_id bigint REFERENCES pgrec.users (id), note text)")
    conn.execute("INSERT INTO pgrec.test_user_notes SELECT id, 'hi' FROM pgrec.users WHERE external_id = 'zoe'")
    exported = conn.execute("SELECT rec.export_user('zoe')").fetchone()[0]
    user = exported["user"]
    assert user["id"] == "zoe" and user["location"] == {"lat": 1, "lon": 2}
    assert user["preferences"]["preferred_tags"] == {"tool:sql": 2}
    assert user["preferences"]["blocked_tags"] == ["spam"]
    assert [(e["event_id"], e["item_id"], e["type"]) for e in exported["events"]] == [("z1", "a", "like"),
                                                                                      ("z2", "b", "view")]
    assert exported["other"] == {"test_user_notes": [{"note": "hi"}]}
    # The export is input the write functions accept: forget, then restore from it.
    conn.execute("SELECT rec.forget_user('zoe')")
    assert call(conn, "upsert_users", [user]) == 1
    events = [{k: v for k, v in e.items() if k != "recorded_at"} for e in exported["events"]]
    assert call(conn, "track", events) == 2
    again = conn.execute("SELECT rec.export_user('zoe')").fetchone()[0]
    assert again["user"] == user
    assert [e["event_id"] for e in again["events"]] == ["z1", "z2"]
    assert sqlstate_of(conn, lambda: conn.execute("SELECT rec.export_user('nobody')")).sqlstate == "P0002"


def test_installation_and_freshness(conn: psycopg.Connection) -> None:
    from app.schema import api_checksum

    facts = conn.execute("SELECT rec.installation()").fetchone()[0]
    assert facts["api_checksum"] == api_checksum() and facts["revisions"] and facts["embedding_dim"] > 0
    before = {r[0]: r for r in conn.execute("SELECT * FROM rec.freshness()")}
    assert {"stats", "neighbors"} <= set(before)
    refresh(conn, "stats")
    conn.execute("SET LOCAL rec.as_of = '2999-01-01 00:00+00'")
    after = {r[0]: r for r in conn.execute("SELECT * FROM rec.freshness()")}
    assert after["stats"][3] == "ok" and after["stats"][2] > 3600 * 24 * 365  # age read from rec.now()


def test_app_role_may_verify_keys_and_erase_users_but_not_manage_keys(conn: psycopg.Connection) -> None:
    conn.execute("CREATE ROLE pgrec_http_sql_client IN ROLE pgrec_app")
    try:
        secret = create_key(conn, "app-check")[3]
        conn.execute("SET ROLE pgrec_http_sql_client")
        assert conn.execute("SELECT key_name FROM rec.authenticate(%s)", (secret,)).fetchone()[0] == "app-check"
        conn.execute("SELECT rec.installation(), count(*) FROM rec.freshness()")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            with conn.transaction():
                conn.execute("SELECT * FROM rec.create_api_key('sneaky', ARRAY['admin'])")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            with conn.transaction():
                conn.execute("SELECT * FROM rec.api_keys()")
    finally:
        conn.execute("RESET ROLE")
        conn.execute("DROP OWNED BY pgrec_http_sql_client")
        conn.execute("DROP ROLE pgrec_http_sql_client")
