"""The phone keeps one live stream open and pulls when it hears of a change (real server, real
HTTP, real encrypted stores); a stream it cannot open is tried again after a wait."""

import time
import uuid
from dataclasses import replace

import httpx
import pytest

from mobile.core.live import Backoff, LiveStream
from mobile.core.phone import Phone
from tests.support.phones import FAST_KDF, NO_WAIT, FlakyTransport, make_phone
from tests.support.server import PASSWORD

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_a_live_phone_holds_a_colleagues_checkin_within_seconds(tmp_path, settings):
    from tests.support.live import live_server

    made: list[httpx.Client] = []

    def client(base: str) -> httpx.Client:
        made.append(httpx.Client(base_url=base, timeout=30))
        return made[-1]

    with live_server(replace(settings, live_keepalive_s=0.5)) as url:
        phone = Phone(
            tmp_path / "supervisor",
            http_factory=client,
            kdf_cost=FAST_KDF,
            retry=NO_WAIT,
        )
        phone.sign_in(url, "supervisor1", PASSWORD, "2580")
        phone.sync()
        phone.go_live(Backoff(first=0.1, most=0.5))
        try:
            assert _wait_for(lambda: phone.live.opened == 1, 10)
            with httpx.Client(base_url=url, timeout=30) as http:
                colleague = make_phone(tmp_path, http, "worker1")
                colleague.sync()
                checkin_id = str(uuid.uuid4())
                colleague.store.record(
                    "checkin.record",
                    {
                        "id": checkin_id,
                        "resident_id": colleague.store.all("resident")[0]["id"],
                        "at": "2026-11-27T09:30:00Z",
                        "seen_in_person": True,
                        "wellbeing": "good",
                        "notes": "听到了",
                    },
                )
                pushed_at = time.monotonic()
                colleague.sync()
            # No timed sync runs here: only the event can bring it.
            assert _wait_for(lambda: phone.store.get("checkin", checkin_id) is not None, 5)
            assert time.monotonic() - pushed_at < 5
            assert phone.live.heard >= 1
        finally:
            phone.stop_live()
            for made_client in made:
                made_client.close()
        assert phone.live is None


def test_a_stream_that_cannot_open_is_tried_again_after_a_wait(tmp_path, settings):
    from tests.support.live import live_server

    with live_server(replace(settings, live_keepalive_s=0.5)) as url:
        with httpx.Client(base_url=url, timeout=30) as http:
            phone = make_phone(tmp_path, http, "worker2")
        transport = FlakyTransport(httpx.HTTPTransport())
        transport.drop_requests = 2  # the first two tries are lost on the way
        changes: list[float] = []
        stream = LiveStream(
            httpx.Client(transport=transport, base_url=url),
            lambda: phone.store.secret("tokens")["access"],
            lambda: changes.append(time.monotonic()),
            Backoff(first=0.1, most=0.2, jitter=lambda: 0.5),
        )
        started = time.monotonic()
        stream.start()
        try:
            assert _wait_for(lambda: stream.opened == 1, 5)
            # Two lost tries, waited 0.2 s and 0.2 s (doubling, capped), then open: one sync
            # for what changed while it was closed.
            assert time.monotonic() - started >= 0.4
            assert _wait_for(lambda: len(changes) == 1, 2)
        finally:
            stream.stop()
            stream.join(timeout=5)
        assert not stream.is_alive()
