"""Installation: migrations reproduce sql/, install beside an existing app, ownership, API reinstall."""

from __future__ import annotations

import psycopg
import pytest

from app.db import connect
from app.schema import api_checksum, as_owner, downgrade, install_api, install_canonical, migrate

CATALOG = """
WITH ns AS (SELECT oid, nspname FROM pg_namespace WHERE nspname IN ('pgrec', 'rec'))
SELECT 'column ' || ns.nspname || '.' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') || ' ' || a.attgenerated::text
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN ns ON ns.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relname <> 'alembic_version' AND c.relkind IN ('r', 'p', 'v', 'm')
UNION ALL
SELECT 'relation ' || c.relkind::text || ' ' || ns.nspname || '.' || c.relname || ' ' || coalesce(obj_description(c.oid, 'pg_class'), '')
FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
WHERE c.relname NOT LIKE 'alembic_version%' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
UNION ALL
SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname IN ('pgrec', 'rec') AND tablename <> 'alembic_version'
UNION ALL
SELECT 'constraint ' || conrelid::regclass || ' ' || pg_get_constraintdef(oid)
FROM pg_constraint WHERE connamespace IN (SELECT oid FROM ns) AND conrelid::regclass::text NOT LIKE '%alembic_version'
UNION ALL
SELECT 'function ' || pg_get_functiondef(p.oid) || coalesce(obj_description(p.oid, 'pg_proc'), '') || coalesce(p.proacl::text, '')
FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
UNION ALL
SELECT 'view ' || c.oid::regclass || ' ' || pg_get_viewdef(c.oid)
FROM pg_class c JOIN ns ON ns.oid = c.relnamespace WHERE c.relkind IN ('v', 'm')
UNION ALL
SELECT 'trigger ' || pg_get_triggerdef(t.oid)
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN ns ON ns.oid = c.relnamespace WHERE NOT t.tgisinternal
"""


def catalog(url: str) -> list[str]:
    """Every pgrec object's definition, plus the rows of every pgrec table (seed data)."""
    with connect(url) as conn:
        lines = [row[0] for row in conn.execute(CATALOG)]
        tables = conn.execute(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables "
            "WHERE schemaname = 'pgrec' AND tablename <> 'alembic_version'").fetchall()
        for (table,) in tables:
            rows = conn.execute(f"SELECT t::text FROM {table} t ORDER BY 1").fetchall()
            lines += [f"row {table} {r[0]}" for (r) in rows]
    return sorted(lines)


def drift(migrated: str, canonical: str) -> tuple[list[str], list[str]]:
    """(only in the sql/ files, only in the migrations): first lines of differing catalogue entries."""
    from_migrations, from_files = catalog(migrated), catalog(canonical)
    assert len(from_files) > 200  # the catalogue query really sees the schema

    def heads(lines: set[str]) -> list[str]:
        return sorted(line.splitlines()[0][:160] for line in lines)

    return heads(set(from_files) - set(from_migrations)), heads(set(from_migrations) - set(from_files))


def test_migrations_reproduce_the_sql_files(fresh_db: str, empty_db: str) -> None:
    """Two independent sources: the revisions (a frozen baseline, then alterations) and the
    current-state files under sql/schema and sql/seed. Both must build the same database."""
    with connect(empty_db) as conn:
        install_canonical(conn, dim=384)
    only_files, only_migrations = drift(fresh_db, empty_db)
    assert not only_files and not only_migrations, (
        f"drift between migrations and sql/: only from the files: {only_files[:10]}; "
        f"only from the migrations: {only_migrations[:10]}")

    # The comparison sees a column added to either side alone (what a forgotten migration, or a
    # migration not reflected in sql/schema, looks like).
    with connect(empty_db) as conn:
        conn.execute("ALTER TABLE pgrec.items ADD COLUMN colour text")
    only_files, only_migrations = drift(fresh_db, empty_db)
    assert any("pgrec.items.colour" in line for line in only_files) and not only_migrations
    with connect(fresh_db) as conn:
        conn.execute("ALTER TABLE pgrec.items ADD COLUMN colour text")
        conn.execute("ALTER TABLE pgrec.users ADD COLUMN nickname text")
    only_files, only_migrations = drift(fresh_db, empty_db)
    assert not only_files and any("pgrec.users.nickname" in line for line in only_migrations)


def test_every_pgrec_object_is_owned_by_the_nologin_owner(fresh_db: str) -> None:
    with connect(fresh_db) as conn:
        owners = conn.execute("""
            SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c
            WHERE c.relnamespace IN ('pgrec'::regnamespace, 'rec'::regnamespace)
            UNION SELECT DISTINCT pg_get_userbyid(p.proowner) FROM pg_proc p
            WHERE p.pronamespace IN ('pgrec'::regnamespace, 'rec'::regnamespace)
            UNION SELECT pg_get_userbyid(n.nspowner) FROM pg_namespace n WHERE n.nspname IN ('pgrec', 'rec')
        """).fetchall()
        assert owners == [("pgrec_owner",)]
        assert conn.execute("SELECT rolsuper OR rolcanlogin FROM pg_roles WHERE rolname = 'pgrec_owner'").fetchone()[0] is False


def test_install_beside_an_existing_application(empty_db: str) -> None:
    # The host app has its own tables and its own Alembic history in public.
    with connect(empty_db) as conn:
        conn.execute("CREATE TABLE public.orders (id serial PRIMARY KEY, total numeric)")
        conn.execute("INSERT INTO public.orders (total) VALUES (12.5), (7)")
        conn.execute("CREATE TABLE public.alembic_version (version_num varchar(32) PRIMARY KEY)")
        conn.execute("INSERT INTO public.alembic_version VALUES ('hostapp123')")
    migrate(empty_db)
    with connect(empty_db) as conn:
        assert conn.execute("SELECT count(*), sum(total) FROM public.orders").fetchone() == (2, 19.5)
        assert conn.execute("SELECT version_num FROM public.alembic_version").fetchall() == [("hostapp123",)]
        assert conn.execute("SELECT count(*) FROM pgrec.alembic_version").fetchone()[0] == 1
        public_tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        assert public_tables == {"orders", "alembic_version"}
        assert conn.execute("SELECT rec.upsert_items('[{\"id\": \"x\"}]')").fetchone()[0] == 1


def test_upgrade_is_idempotent_and_downgrade_removes_pgrec(fresh_db: str) -> None:
    migrate(fresh_db)  # already at head: nothing to do, nothing breaks
    downgrade(fresh_db, "base")
    with connect(fresh_db) as conn:
        left = conn.execute(
            "SELECT count(*) FROM pg_class WHERE relnamespace = 'pgrec'::regnamespace "
            "AND relname NOT LIKE 'alembic_version%'").fetchone()[0]
        assert left == 0
        assert conn.execute("SELECT to_regnamespace('rec')").fetchone()[0] is None
    migrate(fresh_db)
    with connect(fresh_db) as conn:
        assert conn.execute("SELECT count(*) FROM pgrec.event_types").fetchone()[0] == 9


def test_api_is_reinstalled_only_when_its_files_change(fresh_db: str) -> None:
    with connect(fresh_db) as conn:
        oid = conn.execute("SELECT 'rec.feed'::regproc::oid").fetchone()[0]
        with as_owner(conn):
            assert install_api(conn) is False  # same checksum: untouched
        assert conn.execute("SELECT 'rec.feed'::regproc::oid").fetchone()[0] == oid
        conn.execute("UPDATE pgrec.meta SET value = 'stale' WHERE key = 'api_checksum'")
        with as_owner(conn):
            assert install_api(conn) is True
        assert conn.execute("SELECT value FROM pgrec.meta WHERE key = 'api_checksum'").fetchone()[0] == api_checksum()
        assert conn.execute("SELECT 'rec.feed'::regproc::oid").fetchone()[0] != oid


def test_embedding_dimension_comes_from_settings(empty_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.settings import get_settings

    monkeypatch.setenv("PGREC_EMBEDDING_DIM", "16")
    get_settings.cache_clear()
    try:
        migrate(empty_db)
    finally:
        monkeypatch.delenv("PGREC_EMBEDDING_DIM")
        get_settings.cache_clear()
    with connect(empty_db) as conn:
        assert conn.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 'pgrec.items'::regclass AND attname = 'embedding'").fetchone()[0] == "vector(16)"


def test_application_role_cannot_touch_tables_but_can_call_the_api(fresh_db: str) -> None:
    with connect(fresh_db) as conn:
        conn.execute("CREATE ROLE pgrec_test_client LOGIN IN ROLE pgrec_app")
        try:
            conn.execute("SET ROLE pgrec_test_client")
            assert conn.execute("SELECT rec.upsert_items('[{\"id\": \"r1\"}]')").fetchone()[0] == 1
            assert conn.execute("SELECT count(*) FROM rec.feed('someone', 5)").fetchone()[0] == 1
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("SELECT count(*) FROM pgrec.items")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("SELECT rec._tag_ids(ARRAY['x'], true)")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("SELECT * FROM rec.refresh()")
        finally:
            conn.execute("RESET ROLE")
            conn.execute("DROP OWNED BY pgrec_test_client")
            conn.execute("DROP ROLE pgrec_test_client")
