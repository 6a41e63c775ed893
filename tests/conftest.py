"""Test set-up: headless Kivy, and a fresh demo database per test on SQLite and PostgreSQL.

Each backend gets one template database per session (migrated, demo district loaded); every
test gets its own copy, so tests never see each other's writes.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Kivy reads these when first imported, so they are set before anything imports it.
os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
# One Kivy home a test process (pytest-xdist's workers would race to write its config.ini).
os.environ.setdefault("KIVY_HOME", str(ROOT / ".kivy" / os.environ.get("PYTEST_XDIST_WORKER", "")))

from kivy.config import Config  # noqa: E402

# A phone-sized window (360×640 dp is the smallest layout the app supports).
Config.set("graphics", "width", "400")
Config.set("graphics", "height", "760")

import asyncio  # noqa: E402
import shutil  # noqa: E402
import uuid  # noqa: E402
from dataclasses import replace  # noqa: E402

import pytest  # noqa: E402

from tests.support import databases  # noqa: E402
from tests.support.server import make_settings  # noqa: E402


def pytest_collection_modifyitems(config, items):
    """A case marked `postgresql_only` runs on PostgreSQL alone: its SQLite twin is deselected
    (not skipped: it is not a missing check, the case was chosen for the stricter database)."""
    keep, drop = [], []
    for item in items:
        on_sqlite = (
            getattr(item, "callspec", None) and item.callspec.params.get("database_url") == "sqlite"
        )
        (drop if on_sqlite and item.get_closest_marker("postgresql_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """Built once a session; with DOORSTEP_TEST_SQLITE_TEMPLATE set, once for every session
    that names the same file (scripts/mutation.py: a test run for each mutant, each of which
    would otherwise migrate and seed a district before its one push)."""
    kept = os.environ.get("DOORSTEP_TEST_SQLITE_TEMPLATE")
    if kept:
        path = Path(kept)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
            databases.build_template(f"sqlite+aiosqlite:///{partial}")
            partial.replace(path)
        return path
    path = tmp_path_factory.mktemp("template") / "demo.db"
    databases.build_template(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> str:
    reason = databases.postgres_unavailable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true: {reason}")
        pytest.skip(f"PostgreSQL not reachable on 127.0.0.1:5432 ({reason})")
    name = f"doorstep_tpl_{os.getpid()}"
    asyncio.run(databases.pg_recreate(name))
    databases.build_template(databases.pg_url(name))
    yield name
    failures = databases.DROPPER.flush()
    asyncio.run(databases.pg_drop(name))
    assert not failures, f"test databases left behind: {failures}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """A fresh copy of the demo district, on each backend."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        target = tmp_path / "doorstep.db"
        shutil.copyfile(template, target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"doorstep_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(databases.pg_clone(template, name))
    yield databases.pg_url(name)
    databases.pg_drop_later(name)


@pytest.fixture
def settings(database_url):
    return make_settings(database_url)


@pytest.fixture
async def api(settings):
    """The real app in-process, spoken to over its ASGI interface with httpx."""
    from tests.support.server import Api

    async with Api.start(settings) as client:
        yield client


@pytest.fixture
def production_settings(settings):
    return replace(settings, environment="production")


@pytest.fixture
def live_url(settings):
    """The real server over real HTTP on loopback."""
    from tests.support.live import live_server

    with live_server(settings) as url:
        yield url


@pytest.fixture
def flaky(live_url):
    """An httpx client to the live server whose transport can lose requests and answers."""
    import httpx

    from tests.support.phones import FlakyTransport

    transport = FlakyTransport(httpx.HTTPTransport())
    with httpx.Client(transport=transport, base_url=live_url, timeout=30) as client:
        client.flaky = transport
        yield client
