"""DOORSTEP_READ_DATABASE_URL: read from the environment, refused beside SQLite (no replicas)."""

import pytest

from server.config import settings_from_env

PRIMARY = "postgresql+asyncpg://doorstep@10.0.0.5:5432/doorstep"
REPLICA = "postgresql+asyncpg://doorstep@10.0.0.6:5432/doorstep"


def test_the_read_database_is_read_from_the_environment():
    env = {"DOORSTEP_DATABASE_URL": PRIMARY, "DOORSTEP_READ_DATABASE_URL": REPLICA}
    assert settings_from_env(env).read_database_url == REPLICA
    assert settings_from_env({"DOORSTEP_DATABASE_URL": PRIMARY}).read_database_url == ""


@pytest.mark.parametrize(
    ("primary", "replica"),
    [("sqlite+aiosqlite:///var/doorstep.db", REPLICA), (PRIMARY, "sqlite+aiosqlite:///x.db")],
)
def test_a_read_database_beside_sqlite_is_refused(primary, replica):
    env = {"DOORSTEP_DATABASE_URL": primary, "DOORSTEP_READ_DATABASE_URL": replica}
    with pytest.raises(ValueError, match="DOORSTEP_READ_DATABASE_URL"):
        settings_from_env(env)
