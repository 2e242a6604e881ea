"""API keys in SQL: stored as digests, verified, revoked, validated; readiness and freshness
facts; what the application role may call."""

from __future__ import annotations

import hashlib
import re

import psycopg
import pytest

from tests.helpers import refresh, sqlstate_of


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


def test_installation_and_freshness(conn: psycopg.Connection) -> None:
    from app.schema import api_checksum

    facts = conn.execute("SELECT rec.installation()").fetchone()[0]
    assert facts["api_checksum"] == api_checksum() and facts["revisions"] and facts["embedding_dim"] > 0
    before = {r[0]: r for r in conn.execute("SELECT * FROM rec.freshness()")}
    assert {"stats", "itemknn", "ease", "als"} <= set(before)
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
