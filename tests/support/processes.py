"""Server processes as an operator starts them (`python -m server …`), for the ops tests."""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def command(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run one CLI command to its end; its output is kept for the test to read."""
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@contextmanager
def server_process(*args: str, env: dict[str, str], log: Path, port: int | None = None):
    """`python -m server ARGS` in its own process (group); waits for /health when `port` is set.

    Its stderr (the log) goes to `log`. Stopped with SIGTERM, as systemd would.
    """
    with open(log, "ab") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "server", *args],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=sink,
            start_new_session=True,
        )
    try:
        if port is not None:
            _wait_healthy(process, port, log)
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _wait_healthy(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not come up: {log.read_text()[-2000:]}")
