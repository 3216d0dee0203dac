"""Run Alembic from Suraksha: `suraksha db upgrade` and the test set-up use this."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from suraksha.adapters.db import companion_url, create_store, make_engine, optimize
from suraksha.dispatch.positions import POSITIONS_STORE
from suraksha.migrations.tables import positions_metadata

SCRIPTS = Path(__file__).parent


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate, then give the planner statistics (a migration may add indexes it must learn to use); create the
    positions' store's tables where they are missing (a store of minutes, with no migrations of its own:
    `dispatch.position_store`)."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
        optimize(engine)
    finally:
        engine.dispose()
    create_positions_store(url)


def create_positions_store(url: str) -> None:
    """The positions' store beside (SQLite) or inside (PostgreSQL) the database at `url`, where it is missing."""
    create_store(companion_url(url, POSITIONS_STORE), positions_metadata)


def revision(url: str, message: str) -> None:
    command.revision(alembic_config(url), message=message, autogenerate=True)
