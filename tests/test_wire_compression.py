"""Compression on the wire (contract v3): answers gzip-encoded when Accept-Encoding allows
(pull pages and every JSON answer), never tiny bodies, event streams or pictures; gzip pushes
inflated with the 1 MiB limit on the inflated body, a gzip bomb stopped at the limit (413).
Against the real server over HTTP on loopback, on both databases; the middleware's corner cases
on a small app of its own."""

import gzip
import json
import resource
import time
import uuid
import zlib

import httpx
import pytest
from litestar import Litestar, get
from litestar.response import ServerSentEvent
from litestar.testing import TestClient

from server.ops.compression import MAX_INFLATED, MIN_SIZE, accepts_gzip, compression
from shared import protocol
from testbed.servers import live_server
from tests.support.server import PASSWORD

IDENTITY = {"accept-encoding": "identity"}
GZIP = {"accept-encoding": "gzip"}


def bomb(inflated_size: int) -> bytes:
    """A gzip member that inflates to `inflated_size` zero bytes (about a thousandth of it)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    out = [compressor.compress(block) for _ in range(inflated_size >> 20)]
    return b"".join(out) + compressor.flush()


@pytest.fixture
def server(settings):
    with live_server(settings) as url:
        with httpx.Client(base_url=url, timeout=30) as client:
            login = client.post(
                "/api/v1/auth/login",
                json={"username": "worker1", "password": PASSWORD, "device_id": str(uuid.uuid4())},
            )
            assert login.status_code == 200, login.text
            client.headers["authorization"] = f"Bearer {login.json()['access_token']}"
            yield client, json.loads(login.request.content)["device_id"]


def pull_all(client: httpx.Client, headers: dict) -> tuple[int, int, int]:
    """A whole first sync: (records, bytes on the wire, bytes inflated)."""
    records = wire = plain = 0
    cursor = None
    while True:
        params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        response = client.get("/api/v1/sync/pull", params=params, headers=headers)
        assert response.status_code == 200, response.text
        wire += response.num_bytes_downloaded
        plain += len(response.content)
        page = response.json()
        records += len(page["changes"])
        cursor = page["cursor"]
        if not page["has_more"]:
            return records, wire, plain


def test_pull_pages_and_json_answers_are_gzipped_when_asked(server):
    client, _device = server
    response = client.get("/api/v1/sync/pull", params={"limit": 200}, headers=GZIP)
    assert response.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in response.headers["vary"].lower()
    assert response.headers["content-type"].startswith("application/json")
    assert int(response.headers["content-length"]) == response.num_bytes_downloaded
    assert response.num_bytes_downloaded * 3 < len(response.content)
    plain = client.get("/api/v1/sync/pull", params={"limit": 200}, headers=IDENTITY)
    assert "content-encoding" not in plain.headers
    assert plain.json()["changes"] == response.json()["changes"]  # (the server's clock moves)
    # Refused outright (q=0) is not allowed; "*" is.
    assert (
        "content-encoding"
        not in client.get(
            "/api/v1/sync/pull", headers={"accept-encoding": "gzip;q=0, identity"}
        ).headers
    )
    # A tiny answer (this problem+json) is sent as it is.
    small = client.get("/api/v1/sync/pull", params={"cursor": "nope"}, headers=GZIP)
    assert small.status_code in (400, 422) and "content-encoding" not in small.headers
    records, wire, inflated = pull_all(client, GZIP)
    assert records > 0 and wire * 3 < inflated


def push_body(device: str, mutations: int = 1, pad: int = 0) -> bytes:
    batch = [
        {"seq": n, "name": "visit.start", "args": {"visit_id": str(uuid.uuid4())},
         "hlc": f"{1_700_000_000_000 + n:013d}:00000:test"}
        for n in range(1, mutations + 1)
    ]  # fmt: skip
    envelope = {"protocol": protocol.PROTOCOL_VERSION, "device_id": device, "mutations": batch}
    return json.dumps(envelope).encode() + b" " * pad


def test_gzip_pushes_are_taken_and_the_limit_is_on_the_inflated_body(server):
    client, device = server
    push = "/api/v1/sync/push"
    plain = client.post(
        push, content=push_body(device), headers={"content-type": "application/json"}
    )
    zipped = client.post(
        push,
        content=gzip.compress(push_body(device)),
        headers={"content-type": "application/json", "content-encoding": "gzip"},
    )
    assert zipped.status_code == plain.status_code == 200, zipped.text
    assert zipped.json()["results"][0]["seq"] == 1
    # Small on the wire, over 1 MiB inflated: 413, as the same body sent plain.
    over = push_body(device, pad=protocol.MAX_PUSH_BYTES)
    assert len(gzip.compress(over)) < 20_000
    answer = client.post(
        push, content=gzip.compress(over),
        headers={"content-type": "application/json", "content-encoding": "gzip"},
    )  # fmt: skip
    assert answer.status_code == 413 and answer.json()["code"] == "payload_too_large"


def test_a_gzip_bomb_stops_at_the_limit(server):
    client, _device = server
    payload = bomb(1 << 30)  # 1 GiB of zeros in about a MiB
    assert len(payload) < MAX_INFLATED
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    answer = client.post(
        "/api/v1/sync/push",
        content=payload,
        headers={"content-type": "application/json", "content-encoding": "gzip"},
    )
    assert answer.status_code == 413 and answer.json()["code"] == "payload_too_large"
    assert time.perf_counter() - started < 5  # stopped early, not inflated through
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak
    assert grown_kib < 64 * 1024  # the server (in this process) never held the GiB


@pytest.mark.parametrize(
    ("content", "encoding", "status"),
    [
        (b"not gzip at all", "gzip", 400),
        (gzip.compress(b'{"protocol": 1}', mtime=0)[:-6], "gzip", 400),  # cut short
        (gzip.compress(b"{}", mtime=0) + b"tail", "gzip", 400),
        (b"{}", "br", 415),
        (b"{}", "deflate", 415),
    ],
)
def test_bad_encodings_are_clear_4xx(server, content, encoding, status):
    client, _device = server
    answer = client.post(
        "/api/v1/sync/push",
        content=content,
        headers={"content-type": "application/json", "content-encoding": encoding},
    )
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_accept_encoding_is_read_by_its_rules():
    assert accepts_gzip("gzip") and accepts_gzip("br, gzip;q=0.5") and accepts_gzip("*")
    assert not accepts_gzip("") and not accepts_gzip("identity") and not accepts_gzip("br")
    assert not accepts_gzip("gzip;q=0") and not accepts_gzip("*, gzip;q=0")
    assert accepts_gzip("GZIP ; q=1.0") and not accepts_gzip("*;q=0")


# -- the middleware on an app of its own: what it must leave alone ----------------------------


@get("/big", sync_to_thread=False)
def big() -> dict:
    return {"rows": [{"id": n, "name": "王芳", "note": "a" * 20} for n in range(200)]}


@get("/tiny", sync_to_thread=False)
def tiny() -> dict:
    return {"ok": True}


@get("/picture", sync_to_thread=False, media_type="image/jpeg")
def picture() -> bytes:
    return b"\xff\xd8" + bytes(5000)


@get("/events", sync_to_thread=False)
def events() -> ServerSentEvent:
    def stream():
        for n in range(3):
            yield json.dumps({"cursor": str(n) * 400})

    return ServerSentEvent(stream())


@pytest.fixture(scope="module")
def small_app():
    app = Litestar([big, tiny, picture, events], middleware=[compression])
    with TestClient(app) as client:
        yield client


def test_what_is_compressed_and_what_is_not(small_app):
    zipped = small_app.get("/big", headers=GZIP)
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.json()["rows"][199]["name"] == "王芳"
    assert len(small_app.get("/tiny", headers=GZIP).content) < MIN_SIZE
    assert "content-encoding" not in small_app.get("/tiny", headers=GZIP).headers
    picture = small_app.get("/picture", headers=GZIP)
    assert "content-encoding" not in picture.headers and len(picture.content) == 5002
    stream = small_app.get("/events", headers=GZIP)
    assert stream.headers["content-type"].startswith("text/event-stream")
    assert "content-encoding" not in stream.headers
    assert stream.text.count("data: ") == 3


def test_the_phone_asks_for_gzip_and_gzips_its_pushes(settings, tmp_path):
    """A real phone core against the real server on loopback: what crosses the wire."""
    from mobile.core.crypto import KdfCost
    from mobile.core.phone import Phone

    seen: list[tuple[str, dict, int]] = []

    def record(request: httpx.Request) -> None:
        seen.append((request.url.path, dict(request.headers), len(request.content)))

    with live_server(settings) as url:
        phone = Phone(
            tmp_path / "phone",
            http_factory=lambda base: httpx.Client(
                base_url=base, timeout=30, event_hooks={"request": [record]}
            ),
            kdf_cost=KdfCost(n=1024, r=1),
        )
        phone.sign_in(url, "worker1", PASSWORD, "246810")
        assert phone.sync() is not None and phone.state.problem is None
        pulls = [headers for path, headers, _n in seen if path == "/api/v1/sync/pull"]
        assert pulls and all(h["accept-encoding"] == "gzip" for h in pulls)
        scheduled = phone.visits(status="assigned")[:8]
        assert len(scheduled) >= 5
        for visit in scheduled:
            phone.start_visit(visit["id"])
        seen.clear()
        phone.sync()
        assert phone.state.problem is None and phone.store.pending_count() == 0
        ((_path, headers, size),) = [s for s in seen if s[0] == "/api/v1/sync/push"]
        assert headers["content-encoding"] == "gzip" and headers["accept-encoding"] == "gzip"
        assert size < 1024  # what went over the wire
        assert all(
            v["status"] == "in_progress" for v in map(phone.visit, [v["id"] for v in scheduled])
        )
        phone.close()
