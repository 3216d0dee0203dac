"""Alembic environment: the URL comes from Suraksha's settings (or the caller), never from alembic.ini."""

from __future__ import annotations

from alembic import context

from suraksha.adapters.db import make_engine
from suraksha.migrations.tables import metadata, migrated  # every capability's tables

config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True,
                      include_object=migrated)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
