"""Alembic environment for pgrec.

The version table lives in the private schema (``pgrec.alembic_version``), so installing
pgrec into a database that has its own Alembic history touches nothing of the host's. Every
run first does what only the installing role can (``sql/schema/0010_roles.sql``: extension,
roles, schemas), then runs the revisions as ``pgrec_owner``, so everything pgrec creates is
owned by that NOLOGIN, non-superuser role. At head, the ``rec`` API is (re)installed from
``sql/api`` if its files changed; below head it is removed, because the API files describe
head only (a downgraded database has no ``rec`` functions until it is upgraded again).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from app.db import database_url, sqlalchemy_url
from app.schema import OWNER, citus_coordinator, drop_api, install_api, prepare, set_embedding_dim
from app.settings import get_settings

VERSION_SCHEMA = "pgrec"


def run_migrations_offline() -> None:
    raise SystemExit("pgrec migrations need a live database (they read sql/ files and install the API).")


def run_migrations_online() -> None:
    url = context.config.attributes.get("database_url") or database_url()
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        set_embedding_dim(raw, get_settings().embedding_dim)
        citus = citus_coordinator(raw)
        prepare(raw)
        if citus:
            # Citus creates the roles on the workers with the transaction that creates them
            # here, and reaches the workers as the current role (pgrec_owner, below): the roles
            # must be committed everywhere before anything runs as them.
            raw.commit()
            # One connection per worker for the whole transaction: a transaction that reads
            # a distributed table over several connections may not then write a reference
            # table (XX000 "there was a parallel operation on a distributed table").
            raw.execute("SET LOCAL citus.multi_shard_modify_mode = 'sequential'")
        raw.execute(f"SET ROLE {OWNER}")
        context.configure(
            connection=connection,
            version_table_schema=VERSION_SCHEMA,
            transaction_per_migration=False,
        )
        with context.begin_transaction():
            context.run_migrations()
            heads = context.get_context().get_current_heads()
            if heads and set(heads) == set(context.script.get_heads()):
                if citus:
                    # Citus creates functions on the workers over connections of their own,
                    # which see the tables placed by the revisions only once committed.
                    raw.commit()
                    raw.execute("SET LOCAL citus.multi_shard_modify_mode = 'sequential'")
                install_api(raw)
            elif heads:
                drop_api(raw)
            else:
                raw.execute("DROP SCHEMA IF EXISTS rec CASCADE")
        raw.execute("RESET ROLE")
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
