"""Making test databases: templates with the demo district, and cheap per-test copies."""

import asyncio
import os
import queue
import threading

from testbed import build_demo

PG_HOST = os.environ.get("DOORSTEP_TEST_PG_HOST", "127.0.0.1")
PG_ADMIN_DSN = f"postgresql://postgres@{PG_HOST}:5432/test"


def pg_url(name: str) -> str:
    return f"postgresql+asyncpg://postgres@{PG_HOST}:5432/{name}"


def postgres_unavailable() -> str | None:
    try:
        import asyncpg
    except ImportError:
        return "asyncpg is not installed"

    async def probe() -> None:
        connection = await asyncpg.connect(PG_ADMIN_DSN, timeout=3)
        await connection.close()

    try:
        asyncio.run(probe())
    except Exception as exc:  # any failure to connect means: not here
        return f"{type(exc).__name__}: {exc}"
    return None


async def _admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def pg_recreate(name: str) -> None:
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await _admin(f'CREATE DATABASE "{name}"')


async def pg_clone(template: str, name: str) -> None:
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


async def pg_drop(name: str) -> None:
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _Dropper:
    """Drops the tests' database copies behind the tests' backs, several at once.

    PostgreSQL's DROP DATABASE waits for a checkpoint (1–2 s on a busy machine), and every
    test on PostgreSQL drops its copy: one at a time, in each test's teardown, that was minutes
    of a CI run. Drops requested together share one checkpoint, so this thread takes what has
    queued up (at most `BATCH`) and drops it at once while the next tests run. The queue is
    bounded, so a slow server holds the tests back instead of filling the disk; `flush()` (at
    the session's end) waits for the last drop."""

    BATCH = 8

    def __init__(self) -> None:
        self._names: queue.Queue[str | None] = queue.Queue(maxsize=2 * self.BATCH)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.failures: list[str] = []

    def put(self, name: str) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="pg-dropper", daemon=True)
                self._thread.start()
        # A dropper that stopped answering fails the test instead of hanging the run.
        self._names.put(name, timeout=120)

    def _run(self) -> None:
        try:
            self._loop()
        except BaseException as exc:  # recorded, and flush() fails the session with it
            self.failures.append(f"the dropper stopped: {type(exc).__name__}: {exc}")

    def _loop(self) -> None:
        done = False
        while not done:
            batch = [self._names.get()]
            while len(batch) < self.BATCH:
                try:
                    batch.append(self._names.get(timeout=0.2))
                except queue.Empty:
                    break
            done = None in batch
            names = [name for name in batch if name is not None]
            if names:
                self._drop(names)

    def _drop(self, names: list[str]) -> None:
        async def all_at_once() -> list:
            return await asyncio.gather(*(pg_drop(name) for name in names), return_exceptions=True)

        for name, outcome in zip(names, asyncio.run(all_at_once()), strict=True):
            if isinstance(outcome, BaseException):
                self.failures.append(f"{name}: {type(outcome).__name__}: {outcome}")

    def flush(self) -> list[str]:
        """Wait for every drop asked for; the ones that failed, in words."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._names.put(None)
            thread.join()
        failures, self.failures = self.failures, []
        return failures


DROPPER = _Dropper()


def pg_drop_later(name: str) -> None:
    """Drop a test's copy soon, in the background (see `_Dropper`)."""
    DROPPER.put(name)


def build_template(url: str) -> None:
    build_demo(url)
