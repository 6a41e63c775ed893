"""Building the demo district and running the real server: in-process, on a loopback port in a
thread, or as its own process the way an operator starts it."""

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

from server.app import create_app
from server.config import Settings
from server.db.migrate import upgrade
from server.db.sessions import create_engine_for, session_factory
from server.demo.seed import seed_demo


def cheap_settings(url: str, **overrides: Any) -> Settings:
    """Settings with a cheap password hash (production keeps the default cost) and no
    background escalation: tests call it with the clock they choose."""
    values = {
        "password_memory_kib": 1024,
        "password_iterations": 1,
        "escalation_every_s": 0,
        **overrides,
    }
    return Settings(database_url=url, **values)


async def seed_demo_into(url: str, settings: Settings | None = None, requests: int = 0) -> dict:
    engine = create_engine_for(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            return await seed_demo(session, settings or cheap_settings(url), requests=requests)
    finally:
        await engine.dispose()


def build_demo(url: str, settings: Settings | None = None, requests: int = 0) -> dict:
    """A migrated database holding the demo district (and `requests` more over the past
    year); returns what was loaded."""
    upgrade(url)
    return asyncio.run(seed_demo_into(url, settings, requests))


@contextmanager
def in_process(settings: Settings, base_url: str = "http://doorstep.test") -> Iterator[Any]:
    """The app behind an httpx client with no network between (litestar's TestClient)."""
    from litestar.testing import TestClient

    with TestClient(create_app(settings), base_url=base_url) as client:
        yield client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_server(settings: Settings) -> Iterator[str]:
    """The real server on a loopback port, run by uvicorn in a thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings),
        log_level="warning",
        lifespan="on",
        access_log=False,
        timeout_graceful_shutdown=3,  # a live stream left open does not hold the test up
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


SERVER_RUN = ("-m", "server", "run")


def spawn_server(
    database_url: str,
    port: int,
    *extra_args: str,
    env: dict[str, str] | None = None,
    command: Sequence[str] = SERVER_RUN,
) -> subprocess.Popen:
    """`python -m server run` in its own process, as an operator would start it; returns once
    /health answers. `command` runs another module instead (the load benchmark compares ASGI
    servers with it); it must take `--port`."""
    process = subprocess.Popen(
        [sys.executable, *command, "--port", str(port), *extra_args],
        env={**os.environ, "DOORSTEP_DATABASE_URL": database_url, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server process exited with {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server process did not come up")
