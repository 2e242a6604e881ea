"""The SQL under ``sql/`` and how it reaches a database.

``sql/schema/`` is the current state of every private data object (schema ``pgrec``), one file
per table group, DDL only; ``sql/seed/`` the reference rows a fresh installation starts with;
``sql/api/`` the ``rec`` functions. Alembic is the one way to install and upgrade: the
revisions in ``migrations/versions`` bring any database to the state the schema and seed files
describe (a frozen baseline, then migrations that alter), and a test diffs a migrated database
against one built straight from the files (:func:`install_canonical`).

The ``rec`` API holds no data, so it is installed wholesale — every function and type in
``rec`` dropped, every file run in path order — whenever the checksum of its files differs from
the one recorded in ``pgrec.meta`` (like Flyway's repeatable migrations).

Ownership: ``sql/schema/0010_roles.sql`` runs as the installing role (extension, roles,
schemas); everything else is created as ``pgrec_owner`` (:func:`as_owner`), a NOLOGIN role that
is not a superuser, so SECURITY DEFINER functions never run with more than pgrec's own rights.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import psycopg

from app import ROOT

SQL_DIR = ROOT / "sql"
SCHEMA_DIR = SQL_DIR / "schema"
SEED_DIR = SQL_DIR / "seed"
API_DIR = SQL_DIR / "api"
PREREQUISITES = SCHEMA_DIR / "0010_roles.sql"
OWNER = "pgrec_owner"


def schema_files() -> list[Path]:
    """Schema files in load order, after the prerequisites (which run as the installer)."""
    return [p for p in sorted(SCHEMA_DIR.glob("*.sql")) if p != PREREQUISITES]


def seed_files() -> list[Path]:
    """Seed files in load order."""
    return sorted(SEED_DIR.glob("*.sql"))


def api_files() -> list[Path]:
    """API files in load order: by path, so the numbered folders order the groups."""
    return sorted(API_DIR.rglob("*.sql"), key=lambda p: p.relative_to(API_DIR).as_posix())


def api_checksum() -> str:
    """A digest of the API files: paths and contents, in load order."""
    digest = hashlib.sha256()
    for path in api_files():
        digest.update(path.relative_to(API_DIR).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def run_file(conn: psycopg.Connection, path: Path) -> None:
    """Execute one SQL file as-is (no parameters, so '%' and ':' need no escaping)."""
    try:
        conn.execute(path.read_text())
    except psycopg.Error as exc:
        raise RuntimeError(f"{path.relative_to(ROOT)}: {exc}") from exc


def set_embedding_dim(conn: psycopg.Connection, dim: int) -> None:
    """Tell the schema files the embedding dimension to create columns with (a session setting)."""
    conn.execute("SELECT set_config('pgrec.embedding_dim', %s, false)", (str(dim),))


def prepare(conn: psycopg.Connection) -> None:
    """What only the installing role can do: the extension, the roles, the two schemas."""
    run_file(conn, PREREQUISITES)


def citus_coordinator(conn: psycopg.Connection) -> bool:
    """True when the database has the Citus extension (pgrec is then installed distributed);
    raise when it is a Citus node other than the coordinator, where no install may run."""
    if conn.execute("SELECT NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus')").fetchone()[0]:
        return False
    if not conn.execute("SELECT citus_is_coordinator()").fetchone()[0]:
        raise RuntimeError(
            "this database has the citus extension but is not the coordinator of a Citus cluster "
            "(citus_is_coordinator() is false): install pgrec by pointing DATABASE_URL at the "
            "coordinator, which creates everything on the workers itself")
    return True


@contextmanager
def as_owner(conn: psycopg.Connection) -> Iterator[None]:
    """Create objects as pgrec_owner for the duration of the block."""
    conn.execute(f"SET ROLE {OWNER}")
    try:
        yield
    finally:
        if not conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
            conn.execute("RESET ROLE")


def installed_api_checksum(conn: psycopg.Connection) -> str | None:
    """The checksum recorded by the last API install, or None."""
    row = conn.execute("SELECT value FROM pgrec.meta WHERE key = 'api_checksum'").fetchone()
    return row[0] if row else None


def _refuse_outside_dependents(conn: psycopg.Connection) -> None:
    """Dropping ``rec`` must never cascade into data: fail if anything outside depends on it."""
    rows = conn.execute("""
        SELECT DISTINCT pg_describe_object(d.classid, d.objid, d.objsubid)
        FROM pg_depend d
        JOIN pg_proc p ON d.refclassid = 'pg_proc'::regclass AND d.refobjid = p.oid
        WHERE p.pronamespace = to_regnamespace('rec')
          AND NOT (d.classid = 'pg_proc'::regclass
                   AND d.objid IN (SELECT oid FROM pg_proc WHERE pronamespace = to_regnamespace('rec')))
          AND d.deptype = 'n'
    """).fetchall()
    if rows:
        names = ", ".join(r[0] for r in rows)
        raise RuntimeError(
            f"objects outside schema rec depend on rec functions ({names}); re-creating rec would "
            "drop them. Data objects (tables, views, triggers, defaults) must call pgrec.* functions instead."
        )


def drop_api(conn: psycopg.Connection) -> None:
    """Remove every function and type of ``rec`` (the schema itself stays, owned by pgrec_owner)."""
    _refuse_outside_dependents(conn)
    conn.execute("""
        DO $$
        DECLARE r record;
        BEGIN
            -- A function with a SQL-standard body depends on those it calls, so an earlier
            -- DROP ... CASCADE may already have taken it: skip the ones gone.
            FOR r IN SELECT p.oid FROM pg_proc AS p WHERE p.pronamespace = 'rec'::regnamespace LOOP
                IF EXISTS (SELECT FROM pg_proc AS q WHERE q.oid = r.oid) THEN
                    EXECUTE format('DROP FUNCTION %s CASCADE', r.oid::regprocedure);
                END IF;
            END LOOP;
            FOR r IN SELECT c.oid::regclass AS t FROM pg_class AS c
                     WHERE c.relnamespace = 'rec'::regnamespace AND c.relkind = 'c' LOOP
                EXECUTE format('DROP TYPE IF EXISTS %s CASCADE', r.t);
            END LOOP;
        END $$
    """)
    conn.execute("DELETE FROM pgrec.meta WHERE key = 'api_checksum'")


def install_api(conn: psycopg.Connection, force: bool = False) -> bool:
    """(Re)create the contents of ``rec`` from ``sql/api`` when its files changed; True if it did.
    Run as pgrec_owner (:func:`as_owner`)."""
    checksum = api_checksum()
    if not force and installed_api_checksum(conn) == checksum:
        return False
    # Other transactions calling rec functions block on these locks for the few hundred
    # milliseconds the reinstall takes, rather than seeing a half-installed API.
    drop_api(conn)
    for path in api_files():
        run_file(conn, path)
    conn.execute(
        "INSERT INTO pgrec.meta (key, value) VALUES ('api_checksum', %s) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (checksum,),
    )
    return True


def install_canonical(conn: psycopg.Connection, dim: int) -> None:
    """Install pgrec straight from the sql/ files, bypassing Alembic (the drift reference)."""
    set_embedding_dim(conn, dim)
    prepare(conn)
    with as_owner(conn):
        for path in [*schema_files(), *seed_files()]:
            run_file(conn, path)
        install_api(conn, force=True)


def run_sql(bind, sql: str) -> None:
    """Run literal SQL on an Alembic connection through the driver, so '%' and ':' stay as written."""
    bind.connection.driver_connection.execute(sql)


def sql_statements(text: str) -> list[str]:
    """The statements of a SQL file, split at lines ending in ``;`` outside ``$$`` quotes
    (function bodies, DO blocks); the comments before a statement stay with it."""
    statements, current, quoted = [], [], False
    for line in text.splitlines(keepends=True):
        current.append(line)
        if line.count("$$") % 2:
            quoted = not quoted
        if not quoted and line.rstrip().endswith(";"):
            statements.append("".join(current).strip())
            current = []
    if any(line.strip() and not line.lstrip().startswith("--") for line in current):
        statements.append("".join(current).strip())  # a last statement without its semicolon
    return statements


def run_sql_statements(bind, text: str) -> None:
    """Run a migration's SQL one statement at a time: Citus forwards some DDL to the workers
    with the query string it came in, and a worker refuses a string of several commands."""
    for statement in sql_statements(text):
        run_sql(bind, statement)


def _alembic_config(url: str):
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    return config


def migrate(url: str, revision: str = "head") -> None:
    """``alembic upgrade <revision>`` against ``url`` (the one way to install and upgrade)."""
    from alembic import command

    command.upgrade(_alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """``alembic downgrade <revision>`` against ``url``."""
    from alembic import command

    command.downgrade(_alembic_config(url), revision)
