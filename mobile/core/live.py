"""The phone's live updates: one Server-Sent Events stream while online, a pull on each event.

A background thread keeps `GET /api/v1/sync/live` open. Each `data:` line means the server's
feed gained a change in this phone's scope: the phone syncs (`on_change`). Each time the
stream opens the phone syncs too, since what changed while it was closed was not announced.
A lost stream is opened again after a growing, jittered wait; a refused one (an expired token,
a revoked phone) also syncs, which refreshes the token or wipes the phone. The timed sync
stays as the fallback: a phone that cannot keep a stream open misses nothing, only waits.
"""

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass

import httpx

PATH = "/api/v1/sync/live"


@dataclass
class Backoff:
    first: float = 1.0
    most: float = 60.0
    jitter: Callable[[], float] = random.random


class LiveStream(threading.Thread):
    """Keeps the stream open until `stop()`; calls `on_change()` from this thread."""

    def __init__(
        self,
        http: httpx.Client,
        token: Callable[[], str | None],
        on_change: Callable[[], None],
        backoff: Backoff | None = None,
        read_timeout: float = 75.0,  # the server says something at least every 20 s
    ) -> None:
        super().__init__(name="live", daemon=True)
        self.http, self.token, self.on_change = http, token, on_change
        self.backoff = backoff or Backoff()
        self.read_timeout = read_timeout
        self.opened = 0  # how many times the stream opened (for the app and tests)
        self.heard = 0  # how many change events arrived
        self._stopped = threading.Event()
        self._response: httpx.Response | None = None

    def stop(self) -> None:
        self._stopped.set()
        response = self._response
        if response is not None:
            try:
                response.close()  # unblocks the read in the thread
            except Exception:  # noqa: BLE001 (closing from another thread may race the read)
                pass
        self.http.close()

    def run(self) -> None:
        delay = self.backoff.first
        while not self._stopped.is_set():
            if self._listen():
                delay = self.backoff.first
            else:
                delay = min(delay * 2, self.backoff.most)
            # Phones that lost the server together do not all come back in the same instant.
            self._stopped.wait(delay * (0.5 + self.backoff.jitter()))

    def _listen(self) -> bool:
        """One stream, to its end; whether it opened."""
        headers = {"authorization": f"Bearer {self.token() or ''}", "accept": "text/event-stream"}
        timeout = httpx.Timeout(10.0, read=self.read_timeout)
        try:
            with self.http.stream("GET", PATH, headers=headers, timeout=timeout) as response:
                self._response = response
                if response.status_code != 200:
                    if response.status_code in (401, 403) and not self._stopped.is_set():
                        self.on_change()  # a sync refreshes the token, or wipes a revoked phone
                    return False
                self.opened += 1
                for line in response.iter_lines():
                    if self._stopped.is_set():
                        return True
                    if line.startswith(": live"):
                        self.on_change()  # what changed while no stream was open
                    elif line.startswith("data:"):
                        self.heard += 1
                        self.on_change()
                return True
        except (httpx.HTTPError, RuntimeError):  # lost, cut, or closed by stop()
            return False
        finally:
            self._response = None


def sync_until_done(sync: Callable[[], object], running: Callable[[], bool]) -> None:
    """A sync that surely starts after the change: if one is running (it may have pulled
    already), wait for it and sync again."""
    while sync() is None and running():
        threading.Event().wait(0.2)


class Live:
    """The phone's side of it (a part of `Phone`): one stream while online."""

    live: LiveStream | None

    def go_live(self, backoff: Backoff | None = None) -> None:
        """Keep one live-update stream open (if none is): each change in scope syncs."""
        if self.live is None or not self.live.is_alive():
            self.live = LiveStream(
                self._http_factory(self.server_url),
                lambda: (self.store.secret("tokens") or {}).get("access"),
                lambda: sync_until_done(self.sync, lambda: self.store.is_unlocked),
                backoff,
            )
            self.live.start()

    def stop_live(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None
