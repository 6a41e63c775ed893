"""Proof of visit from the phone: photos re-encoded, kept encrypted, uploaded in resumable
chunks before the records that name them, signed by the device; over real loopback HTTP."""

import io
import os

import httpx
import pytest
from PIL import Image

from mobile.core.blobs import PIECE, BlobStore
from mobile.core.crypto import Cipher, KdfCost
from mobile.core.fieldwork import Fix
from mobile.core.media import MAX_SIDE, prepare_photo, prepare_signature
from mobile.core.phone import Phone
from mobile.core.sync import Retry
from shared.proof import distance_m
from tests.support.phones import FlakyTransport
from tests.support.server import PASSWORD
from tests.test_console_proof import console

FAST = KdfCost(n=1024, r=1)
NO_WAIT = Retry(attempts=2, sleep=lambda _s: None)


def camera_photo(width: int = 3000, height: int = 2000, seed: int = 0) -> bytes:
    """A photo as a phone camera writes one: large, with EXIF (GPS, maker, orientation)."""
    rng = os.urandom(64 * 64 * 3)
    image = Image.frombytes("RGB", (64, 64), rng).resize((width, height))
    image.putpixel((seed % width, 0), (255, 0, 0))
    tags = Image.Exif()
    tags[0x010F] = "PhoneMaker"
    tags[0x0112] = 1  # orientation
    tags[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0), 3: "E", 4: (116.0, 23.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=tags, quality=90)
    return out.getvalue()


def signature_png() -> bytes:
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    for x in range(50, 550):
        image.putpixel((x, 100 + (x % 40) - 20), (0, 0, 0, 255))
    image.info["Comment"] = "drawn"
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_photos_are_reencoded_without_exif_and_at_most_1600_px(tmp_path):
    original = camera_photo()
    assert b"Exif" in original
    prepared = prepare_photo(original)
    assert b"Exif" not in prepared.data and b"PhoneMaker" not in prepared.data
    with Image.open(io.BytesIO(prepared.data)) as image:
        assert image.format == "JPEG" and max(image.size) == MAX_SIDE
        assert not image.getexif()
    with Image.open(io.BytesIO(prepared.thumbnail)) as thumb:
        assert max(thumb.size) <= 160
    import hashlib

    assert prepared.sha256 == hashlib.sha256(prepared.data).hexdigest()
    small = tmp_path / "small.jpg"
    small.write_bytes(camera_photo(800, 600))
    assert max(prepare_photo(small).width, prepare_photo(small).height) == 800  # not enlarged
    with pytest.raises(ValueError):
        prepare_photo(b"not a picture")
    signature = prepare_signature(signature_png())
    assert signature.media_type == "image/png" and b"drawn" not in signature.data


def test_the_blob_store_is_encrypted_and_reads_piece_by_piece(tmp_path):
    store = BlobStore(tmp_path, Cipher(os.urandom(32)))
    prepared = prepare_photo(camera_photo(4000, 3000))
    big = prepared.__class__(**{**prepared.__dict__, "data": prepared.data * 3})
    info = store.put(big)
    on_disk = (tmp_path / f"{info.sha256}.data").read_bytes()
    assert big.data[:4096] not in on_disk and len(big.data) > 2 * PIECE
    for start, end in (
        (0, 10),
        (PIECE - 5, PIECE + 5),
        (1, len(big.data)),
        (2 * PIECE, 2 * PIECE + 1),
    ):
        assert store.read(info.sha256, start, end) == big.data[start:end]
    assert b"".join(c for _o, c in store.chunks(info.sha256, 0, 100_000, info.size)) == big.data
    store.confirm(info.sha256)
    assert not store.has_bytes(info.sha256) and store.thumbnail(info.sha256)
    other = BlobStore(tmp_path, Cipher(os.urandom(32)))
    with pytest.raises(ValueError):
        other.thumbnail(info.sha256)  # another key opens nothing


class Counting(FlakyTransport):
    """Counts the photo chunks and bytes that reach the server; can cut the line before a
    request (`fail_when`) or lose the answer of one that arrived (`lose_answer_when`)."""

    def __init__(self, inner) -> None:
        super().__init__(inner)
        self.put_bytes = 0
        self.puts = 0
        self.lose_answer_when = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.fail_when is not None and self.fail_when(request):
            raise httpx.ConnectError("cut", request=request)
        if request.method == "PUT":
            self.puts += 1
            self.put_bytes += len(request.content)
        response = self.inner.handle_request(request)
        if self.lose_answer_when is not None and self.lose_answer_when(request):
            self.lose_answer_when = None
            response.read()
            response.close()
            raise httpx.ReadError("lost on the way back", request=request)
        return response


@pytest.fixture
def clients():
    made: list[httpx.Client] = []
    yield made
    for client in made:
        client.close()


def phone_on(tmp_path, live_url, username: str, chunk: int | None = None, clients=None) -> Phone:
    transport = Counting(httpx.HTTPTransport())
    http = httpx.Client(transport=transport, base_url=live_url, timeout=30)
    if clients is not None:
        clients.append(http)
    phone = Phone(
        tmp_path / f"{username}-{os.urandom(3).hex()}",
        http_factory=lambda _url: http,
        kdf_cost=FAST,
        retry=NO_WAIT,
        upload_chunk=chunk,
    )
    phone.network = transport
    phone.sign_in(live_url, username, PASSWORD, "135790")
    phone.sync()
    return phone


def fetch(live_url: str, phone: Phone, sha: str) -> httpx.Response:
    token = phone.store.secret("tokens")["access"]
    return httpx.get(f"{live_url}/api/v1/blobs/{sha}", headers={"authorization": f"Bearer {token}"})


def test_an_offline_visit_with_three_photos_a_signature_and_a_place_reaches_the_server(
    tmp_path, live_url, clients
):
    worker = phone_on(tmp_path, live_url, "worker1", clients=clients)
    supervisor = phone_on(tmp_path, live_url, "supervisor1", clients=clients)
    worker.network.fail_when = lambda _request: True  # no signal for days
    visit = worker.visits(status="assigned")[0]
    worker.start_visit(visit["id"])
    photos = [worker.add_photo(visit["id"], camera_photo(seed=n)) for n in range(3)]
    signature = worker.set_signature(visit["id"], signature_png())
    home = worker.resident(visit["resident_id"])
    assert home.get("lat") is not None  # the demo records where homes are
    place = Fix(home["lat"] + 0.0003, home["lon"], 12.5, "2026-11-28T02:05:00Z")  # ~33 m north
    worker.set_location(visit["id"], place)
    worker.complete_visit(visit["id"], "三张照片，本人签字")
    for _ in range(3):
        worker.sync()
        assert worker.state.problem == "offline"
    assert worker.store.pending_count() == 2
    assert all(worker.upload_state(sha) == "waiting" for sha in [*photos, signature])
    worker.network.fail_when = None  # the signal is back
    seen_by_bar = []
    worker.listeners.append(
        lambda state: state.phase == "upload" and seen_by_bar.append((state.done, state.total))
    )
    worker.sync()
    assert worker.state.problem is None and worker.store.pending_count() == 0
    sizes = sum(worker.blobs.info(sha).size for sha in [*photos, signature])
    assert seen_by_bar[-1] == (sizes, sizes)  # the sync bar saw the upload, in bytes
    assert [done for done, _ in seen_by_bar] == sorted(done for done, _ in seen_by_bar)
    # Confirmed on the server: only thumbnails stay on the phone.
    for sha in [*photos, signature]:
        assert worker.upload_state(sha) == "sent" and not worker.blobs.has_bytes(sha)
        assert worker.thumbnail(sha)
    supervisor.sync()
    seen = supervisor.visit(visit["id"])
    assert seen["status"] == "completed" and seen["signed"] is True
    assert seen["proof"]["photos"] == photos and seen["proof"]["signature"] == signature
    assert seen["proof"]["location"]["accuracy_m"] == 12.5
    shown = supervisor.proof_of(seen)
    assert shown["signed"] and shown["photos"] == photos
    expected = round(distance_m(place.lat, place.lon, home["lat"], home["lon"]))
    assert 30 <= expected <= 36 and round(shown["distance_m"]) == expected
    picture = fetch(live_url, supervisor, photos[1])
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/jpeg"
    assert supervisor.fetch_blob(photos[0]) and supervisor.thumbnail(photos[0])
    # And in the supervisor's console: the photos, the signature, the place, signed.
    browser, _csrf = console(live_url, "supervisor1", "en")
    page = browser.get(f"/console/visits/{visit['id']}").text
    browser.close()
    for sha in [*photos, signature]:
        assert f"/console/blobs/{sha}" in page
    assert 'data-signed="true"' in page
    assert f"{expected} m from the resident&#39;s home" in page
    assert "28 Nov 10:05" in page or "28 Nov 2026 10:05" in page  # Shanghai time


def test_an_upload_cut_at_every_chunk_boundary_resumes_without_sending_twice(
    tmp_path, live_url, clients
):
    """The line drops before the first chunk, then after each chunk in turn; every sync
    resumes from what the server says arrived, and no byte is sent twice."""
    chunk = 64 * 1024
    worker = phone_on(tmp_path, live_url, "worker1", chunk=chunk, clients=clients)
    visit = worker.visits(status="assigned")[0]
    sha = worker.add_photo(visit["id"], camera_photo(seed=100))
    size = worker.blobs.info(sha).size
    chunks = -(-size // chunk)
    assert chunks >= 3
    worker.start_visit(visit["id"])
    worker.complete_visit(visit["id"], "断了又断")
    allowed = 0  # chunks let through before the line drops, one more each time
    standing = []
    while True:
        limit = worker.network.puts + (1 if allowed else 0)
        worker.network.fail_when = lambda r, limit=limit: (
            r.method == "PUT" and worker.network.puts >= limit
        )
        worker.sync()
        if worker.state.problem is None:
            break
        assert worker.state.problem == "offline" and worker.store.pending_count() == 2
        standing.append(worker.network.put_bytes)
        allowed += 1
    assert standing == [min(n * chunk, size) for n in range(chunks)]  # one boundary each
    assert worker.network.put_bytes == size  # nothing sent twice
    assert worker.upload_state(sha) == "sent" and worker.store.pending_count() == 0


def test_a_lost_answer_to_a_chunk_is_not_sent_twice(tmp_path, live_url, clients):
    worker = phone_on(tmp_path, live_url, "worker1", chunk=64 * 1024, clients=clients)
    visit = worker.visits(status="assigned")[0]
    sha = worker.add_photo(visit["id"], camera_photo(seed=7))
    worker.start_visit(visit["id"])
    worker.complete_visit(visit["id"], "回答丢了")
    # The first chunk arrives, its answer does not: the phone sends it again, the server
    # says how much it has (409 range_mismatch), and the upload carries on from there.
    worker.network.lose_answer_when = lambda request: request.method == "PUT"
    worker.sync()
    assert worker.state.problem is None and worker.upload_state(sha) == "sent"
    size = worker.blobs.info(sha).size
    assert worker.network.put_bytes == size + 64 * 1024


def test_a_blob_the_server_lacks_is_sent_when_the_push_says_blobs_missing(
    tmp_path, live_url, clients
):
    worker = phone_on(tmp_path, live_url, "worker1", clients=clients)
    visit = worker.visits(status="assigned")[0]
    sha = worker.add_photo(visit["id"], camera_photo(seed=9))
    # The phone wrongly believes the server has it: the push is refused, the photo sent.
    info = worker.blobs.info(sha)
    worker.blobs._write_info(info.__class__(sha, info.media_type, info.size, "confirmed"))
    worker.start_visit(visit["id"])
    worker.complete_visit(visit["id"], "补传")
    worker.sync()
    assert worker.state.problem is None and worker.store.pending_count() == 0
    assert fetch(live_url, worker, sha).status_code == 200


def test_the_device_key_signs_and_a_tampered_record_is_rejected(tmp_path, live_url, clients):
    from mobile.core import signing
    from shared.proof import verifies

    worker = phone_on(tmp_path, live_url, "worker1", clients=clients)
    visit = worker.visits(status="assigned")[0]
    worker.add_photo(visit["id"], camera_photo(seed=11))
    worker.start_visit(visit["id"])
    seq = worker.complete_visit(visit["id"], "原文")
    entry = next(e for e in worker.store.outbox() if e.seq == seq)
    key = signing.public_key(worker.store)
    assert verifies(key, entry.args, entry.args["proof"]["device_signature"])
    tampered = {**entry.args, "summary": "改过"}
    assert not verifies(key, tampered, entry.args["proof"]["device_signature"])
    worker.store._db.execute(
        "UPDATE outbox SET args = ? WHERE seq = ?",
        (worker.store.cipher.seal(tampered, f"outbox/{seq}"), seq),
    )
    worker.sync()
    assert [r["code"] for r in worker.rejections()] == ["bad_signature"]


def test_a_revoked_phone_erases_its_photos_too(tmp_path, live_url, clients):
    worker = phone_on(tmp_path, live_url, "worker1", clients=clients)
    supervisor = phone_on(tmp_path, live_url, "supervisor1", clients=clients)
    visit = worker.visits(status="assigned")[0]
    worker.add_photo(visit["id"], camera_photo(seed=21))
    assert list((worker.folder / "blobs").iterdir())
    token = supervisor.store.secret("tokens")["access"]
    revoked = httpx.post(
        f"{live_url}/api/v1/devices/{worker.store.device_id}/revoke",
        headers={"authorization": f"Bearer {token}"},
    )
    assert revoked.status_code == 200
    worker.sync()
    assert worker.state.revoked and not (worker.folder / "blobs").exists()


def test_a_photo_the_server_refuses_stops_the_sync_in_words_and_loses_nothing(
    tmp_path, live_url, clients
):
    import hashlib

    from mobile.core.media import Prepared

    worker = phone_on(tmp_path, live_url, "worker1", clients=clients)
    visit = worker.visits(status="assigned")[0]
    raw = camera_photo(800, 600, seed=31)  # as the camera wrote it: EXIF and all
    sha = hashlib.sha256(raw).hexdigest()
    worker.blobs.put(Prepared(sha, "image/jpeg", raw, raw, 800, 600))  # a bug's way past media
    draft = worker.proof_draft(visit["id"])
    draft["photos"] = [sha]
    worker._keep_draft(visit["id"], draft)
    worker.start_visit(visit["id"])
    worker.complete_visit(visit["id"], "带EXIF")
    worker.sync()
    assert "refused a photo" in worker.state.problem
    assert worker.store.pending_count() == 2 and worker.blobs.has_bytes(sha)
