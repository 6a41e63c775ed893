"""Bringing a database's schema up to date with Alembic, from code or the CLI."""

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the schema; safe to call from inside a running event loop (it uses a thread)."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            command.upgrade(alembic_config(url), revision)
        except BaseException as exc:  # handed back to the caller's thread below
            errors.append(exc)

    worker = threading.Thread(target=run, name="migrate")
    worker.start()
    worker.join()
    if errors:
        raise errors[0]
