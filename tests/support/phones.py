"""Phones for tests: a real encrypted store and sync client, signed in against the real server."""

import uuid
from pathlib import Path

import httpx

from mobile.core.crypto import KdfCost
from mobile.core.store import LocalStore
from mobile.core.sync import Retry, SyncClient
from shared.hlc import wall_millis
from tests.support.server import PASSWORD

FAST_KDF = KdfCost(n=1024, r=1)
NO_WAIT = Retry(attempts=3, sleep=lambda _seconds: None)


def make_phone(
    folder: Path,
    http: httpx.Client,
    username: str,
    pin: str = "2580",
    retry: Retry = NO_WAIT,
    skew_ms: int = 0,
) -> SyncClient:
    """A signed-in phone; `skew_ms` sets how far its own clock is off (ahead if positive)."""
    store = LocalStore(
        folder / f"{username}-{uuid.uuid4().hex[:8]}.db",
        kdf_cost=FAST_KDF,
        wall=lambda: wall_millis() + skew_ms,
    )
    store.set_up(pin)
    phone = SyncClient(store, http, retry=retry)
    phone.login(username, PASSWORD)
    return phone


class FlakyTransport(httpx.BaseTransport):
    """Wraps a transport; loses requests before the server sees them, or answers after it did."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.drop_requests = 0  # the next N requests never reach the server
        self.drop_responses = 0  # the next N requests reach it, but the answer is lost
        self.fail_when = None  # a predicate on the request: raise instead of sending

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.fail_when is not None and self.fail_when(request):
            raise httpx.ConnectError("cut", request=request)
        if self.drop_requests:
            self.drop_requests -= 1
            raise httpx.ConnectError("lost on the way", request=request)
        response = self.inner.handle_request(request)
        if self.drop_responses:
            self.drop_responses -= 1
            response.read()
            response.close()
            raise httpx.ReadError("lost on the way back", request=request)
        return response

    def close(self) -> None:
        close = getattr(self.inner, "close", None)  # Litestar's in-process transport has none
        if close is not None:
            close()
