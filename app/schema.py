"""The SQL under ``sql/`` and how it reaches a database.

``sql/schema/`` holds the private data objects (schema ``pgrec``) as numbered files; Alembic
revisions apply them (``migrations/versions``). ``sql/api/`` holds the ``rec`` functions: they
hold no data, so the API is installed wholesale — drop schema ``rec``, run every file in
order — whenever the checksum of those files differs from the one recorded in ``pgrec.meta``
(like Flyway's repeatable migrations). ``install_canonical`` applies everything straight from
the files, which the drift test compares with what the migrations produce.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import psycopg

from app import ROOT

SQL_DIR = ROOT / "sql"
SCHEMA_DIR = SQL_DIR / "schema"
API_DIR = SQL_DIR / "api"


def schema_files() -> list[Path]:
    """Schema files in load order."""
    return sorted(SCHEMA_DIR.glob("*.sql"))


def api_files() -> list[Path]:
    """API files in load order."""
    return sorted(API_DIR.glob("*.sql"))


def api_checksum() -> str:
    """A digest of the API files: names and contents, in load order."""
    digest = hashlib.sha256()
    for path in api_files():
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def run_file(conn: psycopg.Connection, path: Path) -> None:
    """Execute one SQL file as-is (no parameters, so '%' and ':' need no escaping)."""
    try:
        conn.execute(path.read_text())
    except psycopg.Error as exc:
        raise RuntimeError(f"{path.relative_to(ROOT)}: {exc}") from exc


def set_embedding_dim(conn: psycopg.Connection, dim: int) -> None:
    """Tell sql/schema/0020_meta.sql the dimension to install with (a session setting)."""
    conn.execute("SELECT set_config('pgrec.embedding_dim', %s, false)", (str(dim),))


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


def install_api(conn: psycopg.Connection, force: bool = False) -> bool:
    """(Re)create schema ``rec`` from ``sql/api`` when its files changed; True if it did."""
    checksum = api_checksum()
    if not force and installed_api_checksum(conn) == checksum:
        return False
    _refuse_outside_dependents(conn)
    # Other transactions calling rec functions block on this lock for the few hundred
    # milliseconds the reinstall takes, rather than seeing a half-installed API.
    conn.execute("DROP SCHEMA IF EXISTS rec CASCADE")
    conn.execute("CREATE SCHEMA rec")
    conn.execute("COMMENT ON SCHEMA rec IS 'pgrec public SQL API: functions only, no data.'")
    for path in api_files():
        run_file(conn, path)
    conn.execute(
        "INSERT INTO pgrec.meta (key, value) VALUES ('api_checksum', %s) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (checksum,),
    )
    return True


def install_canonical(conn: psycopg.Connection, dim: int) -> None:
    """Install pgrec straight from the sql/ files, bypassing Alembic (drift reference)."""
    set_embedding_dim(conn, dim)
    for path in schema_files():
        run_file(conn, path)
    install_api(conn, force=True)


def apply_schema_files(bind, names: list[str]) -> None:
    """Run the named ``sql/schema`` files on an Alembic connection (inside its transaction)."""
    raw = bind.connection.driver_connection
    for name in names:
        run_file(raw, SCHEMA_DIR / name)


def run_sql(bind, sql: str) -> None:
    """Run literal SQL on an Alembic connection through the driver, so '%' and ':' stay as written."""
    bind.connection.driver_connection.execute(sql)


def migrate(url: str, revision: str = "head") -> None:
    """``alembic upgrade <revision>`` against ``url`` (the one way to install and upgrade)."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    command.upgrade(config, revision)


def downgrade(url: str, revision: str) -> None:
    """``alembic downgrade <revision>`` against ``url``."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    command.downgrade(config, revision)
