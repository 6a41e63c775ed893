"""A weak network link between a phone core and the server, in user space: a TCP relay that
paces the bytes of each direction at `rate_bps` (one link per direction, shared by every
connection, as one radio is) and holds each byte `one_way_s` before passing it on. It counts
the bytes that cross it, and can cut every connection once and stay down a while (the phone
walks out of coverage mid-page).

It cannot lose packets: TCP between the relay and either end runs on loopback, so loss (and
the retransmissions it costs) is not in its figures. `tc netem` in a network namespace is the
full model (bench/network.py says whether this machine can make one).
"""

import asyncio
import threading
import time
from collections import deque
from dataclasses import dataclass, field

CHUNK = 1448  # bytes a read: about one TCP segment on a phone's link


@dataclass
class Direction:
    rate_bps: float
    one_way_s: float
    free_at: float = 0.0  # when the link has sent what it holds
    bytes: int = 0

    def delivery(self, size: int) -> float:
        now = time.monotonic()
        start = max(now, self.free_at)
        self.free_at = start + size * 8 / self.rate_bps
        self.bytes += size
        return self.free_at + self.one_way_s


@dataclass
class Link:
    target_port: int
    rate_bps: float = 1_000_000
    one_way_s: float = 0.150
    port: int = 0
    cut_after_down_bytes: int | None = None  # cut once, when this much has come down
    down_for_s: float = 2.0
    cuts: int = 0
    _down_until: float = 0.0
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _writers: set = field(default_factory=set)
    _server: asyncio.Server | None = None

    def __post_init__(self) -> None:
        self.up = Direction(self.rate_bps, self.one_way_s)
        self.down = Direction(self.rate_bps, self.one_way_s)

    # -- running ---------------------------------------------------------------------------

    def start(self) -> str:
        """Starts the relay on its own thread; returns the URL to reach the server through."""
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            server = self._loop.run_until_complete(
                asyncio.start_server(self._accept, "127.0.0.1", 0)
            )
            self.port = server.sockets[0].getsockname()[1]
            self._server = server
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Closes every connection, ends every task and the loop, and waits for the thread."""
        loop = self._loop
        if loop is None:
            return

        async def wind_down() -> None:
            if self._server is not None:
                self._server.close()  # the listening socket too: nothing left to the collector
            for end in list(self._writers):
                end.transport.abort()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            loop.stop()

        loop.call_soon_threadsafe(lambda: loop.create_task(wind_down()))
        self._thread.join(10)
        loop.close()
        self._loop = None

    @property
    def total_bytes(self) -> int:
        return self.up.bytes + self.down.bytes

    # -- relaying --------------------------------------------------------------------------

    async def _accept(self, reader, writer) -> None:
        if time.monotonic() < self._down_until:
            writer.transport.abort()  # no coverage: the connection fails
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(
                "127.0.0.1", self.target_port
            )
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, server_writer))
        await asyncio.gather(
            self._pipe(reader, server_writer, self.up),
            self._pipe(server_reader, writer, self.down),
            return_exceptions=True,
        )
        for end in (writer, server_writer):
            self._writers.discard(end)
            end.transport.abort()

    async def _pipe(self, reader, writer, direction: Direction) -> None:
        queue: deque = deque()
        arrived = asyncio.Event()
        finished = False

        async def deliver() -> None:
            while True:
                while not queue:
                    if finished:
                        return
                    arrived.clear()
                    await arrived.wait()
                at, data = queue.popleft()
                await asyncio.sleep(max(0.0, at - time.monotonic()))
                if data is None:
                    writer.write_eof() if writer.can_write_eof() else None
                    return
                writer.write(data)
                await writer.drain()

        sender = asyncio.create_task(deliver())
        try:
            while True:
                data = await reader.read(CHUNK)
                if not data:
                    queue.append((direction.delivery(0), None))
                    break
                queue.append((direction.delivery(len(data)), data))
                arrived.set()
                if direction is self.down and self._should_cut():
                    self._cut()
                    return
        finally:
            finished = True
            arrived.set()
            await asyncio.gather(sender, return_exceptions=True)

    def _should_cut(self) -> bool:
        limit = self.cut_after_down_bytes
        return limit is not None and self.down.bytes >= limit

    def _cut(self) -> None:
        self.cut_after_down_bytes = None
        self.cuts += 1
        self._down_until = time.monotonic() + self.down_for_s
        for end in list(self._writers):
            end.transport.abort()
        self._writers.clear()
