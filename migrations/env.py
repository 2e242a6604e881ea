"""Alembic environment for pgrec.

The version table lives in the private schema (``pgrec.alembic_version``), so installing
pgrec into a database that has its own Alembic history touches nothing of the host's. After
the revisions run, the ``rec`` API is (re)installed from ``sql/api`` if its files changed.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from app.db import database_url, sqlalchemy_url
from app.schema import install_api, set_embedding_dim
from app.settings import get_settings

VERSION_SCHEMA = "pgrec"


def run_migrations_offline() -> None:
    raise SystemExit("pgrec migrations need a live database (they read sql/ files and install the API).")


def run_migrations_online() -> None:
    url = context.config.attributes.get("database_url") or database_url()
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        # The version table needs its schema before the first revision can create anything.
        connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {VERSION_SCHEMA}")
        set_embedding_dim(raw, get_settings().embedding_dim)
        context.configure(
            connection=connection,
            version_table_schema=VERSION_SCHEMA,
            transaction_per_migration=False,
        )
        with context.begin_transaction():
            context.run_migrations()
            heads = context.get_context().get_current_heads()
            if set(heads) == set(context.script.get_heads()):
                install_api(raw)
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
