"""Who hears of a commit to the feed: the live streams of every server process.

A transaction that writes feed entries names its feed version and keys (`payload`). On
PostgreSQL it sends them with `pg_notify` inside the transaction, which the database delivers
only once the commit is done, to every process LISTENing; each process keeps one listening
connection (`Hub.start`) and fans the news out to its streams in memory. On SQLite (one
process) the commit hands them to the process's hub directly (`publish`, after commit).
A stream is woken by the keys it subscribes to, so it hears only of changes filed in its scope.
"""

import asyncio
import logging
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.engine import URL

log = logging.getLogger("doorstep.live")

CHANNEL = "doorstep_feed"
# PostgreSQL refuses a payload of 8,000 bytes or more; a longer list of keys is sent as "*"
# and each process reads the keys of that version from the feed.
MAX_PAYLOAD = 7_900
EVERY_KEY = "*"


def payload(version: int, keys: Iterable[str]) -> str:
    """The news of one commit: its feed version and the keys its entries are filed under."""
    said = f"{version} {' '.join(sorted(keys))}"
    return said if len(said) <= MAX_PAYLOAD else f"{version} {EVERY_KEY}"


def read_payload(said: str) -> tuple[int, list[str] | None]:
    """(version, keys); keys None: read them from the feed (the list was too long to send)."""
    version, _, keys = said.partition(" ")
    return int(version), (None if keys == EVERY_KEY else keys.split())


class Listener:
    """One stream's ear: its keys, and the highest feed version it has been woken with."""

    __slots__ = ("keys", "version", "woken")

    def __init__(self, keys: Iterable[str]) -> None:
        self.keys = frozenset(keys)
        self.version = 0
        self.woken = asyncio.Event()

    def wake(self, version: int) -> None:
        if version > self.version:  # the same commit may arrive twice (locally, then NOTIFY)
            self.version = version
            self.woken.set()


class Hub:
    """The streams of one process, by key; on PostgreSQL, its one listening connection."""

    def __init__(self, database_url: URL | None = None) -> None:
        self._by_key: dict[str, set[Listener]] = {}
        self._url = database_url  # PostgreSQL's, to LISTEN on; None on SQLite
        self._started: asyncio.Future | None = None
        self._task: asyncio.Task | None = None
        self._connection = None
        self._reading = asyncio.Lock()
        # Streams rechecking their token at once (server/sync/live.py): a few pool connections.
        self.rechecks = asyncio.Semaphore(4)

    @property
    def listeners(self) -> int:
        return len({listener for found in self._by_key.values() for listener in found})

    def listen(self, keys: Iterable[str]) -> Listener:
        listener = Listener(keys)
        for key in listener.keys:
            self._by_key.setdefault(key, set()).add(listener)
        return listener

    def forget(self, listener: Listener) -> None:
        for key in listener.keys:
            found = self._by_key.get(key)
            if found is not None:
                found.discard(listener)
                if not found:
                    del self._by_key[key]

    def publish(self, version: int, keys: Iterable[str] | None) -> None:
        """Wake the listeners of these keys (of every key: None) with a committed version."""
        if keys is None:
            woken = {listener for found in self._by_key.values() for listener in found}
        else:
            woken = {listener for key in keys for listener in self._by_key.get(key, ())}
        for listener in woken:
            listener.wake(version)

    # -- PostgreSQL: one LISTEN connection per process --------------------------------------

    async def start(self) -> None:
        """Listening before it returns (so a stream opened after it misses nothing); started
        once, by the first stream. Nothing to do on SQLite."""
        if self._url is None:
            return
        if self._started is None:
            self._started = asyncio.get_running_loop().create_future()
            self._task = asyncio.create_task(self._keep_listening(), name="live-listen")
        await asyncio.shield(self._started)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._connection is not None:
            await self._connection.close(timeout=2)

    async def _keep_listening(self) -> None:
        import asyncpg

        dsn = self._url.set(drivername="postgresql").render_as_string(hide_password=False)
        delay = 0.5
        while True:
            lost = asyncio.Event()
            try:
                self._connection = await asyncpg.connect(dsn)
                self._connection.add_termination_listener(lambda _c, lost=lost: lost.set())
                await self._connection.add_listener(CHANNEL, self._heard)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("live updates: cannot listen (%s); again in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)
                continue
            if not self._started.done():
                self._started.set_result(None)
            else:
                # Back after a loss: what was sent meanwhile is unknown, so everyone looks.
                await self._wake_everyone()
            delay = 0.5
            await lost.wait()
            log.warning("live updates: the listening connection was lost; reconnecting")

    def _heard(self, _connection, _pid: int, _channel: str, said: str) -> None:
        try:
            version, keys = read_payload(said)
        except ValueError:
            log.warning("live updates: an unreadable notification %r", said[:80])
            return
        if keys is not None:
            self.publish(version, keys)
        else:
            asyncio.get_running_loop().create_task(self._publish_from_feed(version))

    async def _publish_from_feed(self, version: int) -> None:
        async with self._reading:
            rows = await self._connection.fetch(
                "SELECT DISTINCT key FROM feed_entry WHERE version = $1", version
            )
        self.publish(version, [row["key"] for row in rows])

    async def _wake_everyone(self) -> None:
        async with self._reading:
            version = await self._connection.fetchval("SELECT version FROM feed_clock")
        self.publish(version, None)


def notify_in_transaction(session, version: int, keys: Iterable[str]) -> None:
    """Called with the feed entries' insert: on PostgreSQL, the NOTIFY that the database sends
    when (and only if) the transaction commits; on SQLite, kept for `after_commit`."""
    keys = sorted(set(keys))
    if session.connection().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_notify(:channel, :payload)"),
            {"channel": CHANNEL, "payload": payload(version, keys)},
        )
    session.info["feed_committed"] = (version, keys)


def after_commit(session) -> None:
    """This process's own streams hear at once (on PostgreSQL, the NOTIFY follows)."""
    committed = session.info.pop("feed_committed", None)
    hub = session.info.get("process", {}).get("feed_hub")
    if committed is not None and hub is not None:
        hub.publish(*committed)
