"""Run Alembic from Suraksha: `suraksha db upgrade` and the test set-up use this."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from suraksha.adapters.db import make_engine, optimize

SCRIPTS = Path(__file__).parent


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate, then give the planner statistics (a migration may add indexes it must learn to use)."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
        optimize(engine)
    finally:
        engine.dispose()


def revision(url: str, message: str) -> None:
    command.revision(alembic_config(url), message=message, autogenerate=True)
