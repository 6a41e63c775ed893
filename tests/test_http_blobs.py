"""Blob uploads over real HTTP: whole and resumable, cut at every chunk boundary and resumed,
and every bad upload a clear 4xx that stores nothing."""

from dataclasses import replace

import httpx
import pytest

from tests.support.blobs import Device, jpeg, noise_png, sha
from tests.test_http_auth import is_problem

CHUNK = 1500
DAILY = 3 * 1024 * 1024
OPEN_UPLOADS = 4


@pytest.fixture
def settings(settings, tmp_path):
    return replace(
        settings,
        blob_dir=str(tmp_path / "blobs"),
        blob_account_daily_bytes=DAILY,
        blob_partials_per_account=OPEN_UPLOADS,
    )


@pytest.fixture
def http(live_url):
    with httpx.Client(base_url=live_url, timeout=30) as client:
        yield client


def stored_files(settings) -> list[str]:
    root = settings.blob_root / "blobs"
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def partial_files(settings) -> list[str]:
    root = settings.blob_root / "partial"
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_whole_upload_then_again_and_head(http, settings):
    worker = Device(http, "worker1")
    photo = jpeg(1)
    name = sha(photo)
    assert worker.head(name).status_code == 404
    assert "doorstep-received" not in worker.head(name).headers
    first = worker.put(photo)
    assert first.status_code == 201, first.text
    assert first.json() == {
        "sha256": name,
        "media_type": "image/jpeg",
        "size": len(photo),
        "received": len(photo),
    }
    assert worker.put(photo).status_code == 200  # already stored
    assert Device(http, "worker2").put(photo).status_code == 200
    answer = worker.head(name)
    assert answer.status_code == 200 and answer.headers["doorstep-received"] == str(len(photo))
    # Laid out by hash.
    path = settings.blob_root / "blobs" / name[:2] / name[2:4] / name
    assert path.read_bytes() == photo
    assert partial_files(settings) == []
    # A PNG too.
    png = noise_png(20)
    assert worker.put(png, kind="image/png").status_code == 201


def test_an_upload_cut_at_every_chunk_boundary_resumes(http, settings):
    worker = Device(http, "worker1")
    size = len(noise_png(40))  # the same size for every drawing of its random pixels
    bounds = list(range(0, size, CHUNK))
    assert len(bounds) >= 3

    def chunk(data, start, end, **kwargs):
        return worker.chunk(data, start, end, kind="image/png", **kwargs)

    for cut in range(1, len(bounds)):
        data = noise_png(40)
        assert len(data) == size
        name = sha(data)
        # The phone sends chunks up to the cut, then the connection is lost.
        for start in bounds[:cut]:
            end = min(start + CHUNK, size) - 1
            answer = chunk(data, start, end)
            assert answer.status_code == 202, answer.text
            assert answer.json() == {"received": end + 1}
        # The chunk after the cut arrives only in part: refused, nothing of it kept.
        start = bounds[cut]
        end = min(start + CHUNK, size) - 1
        short = chunk(data, start, end, body=data[start:end])  # a byte short
        assert short.status_code == 400, short.text
        # Back online: HEAD says where the upload stands, and it carries on from there.
        standing = worker.head(name)
        assert standing.status_code == 404
        received = int(standing.headers["doorstep-received"])
        assert received == start
        wrong = chunk(data, 0, CHUNK - 1)
        is_problem(wrong, 409, "range_mismatch")
        assert wrong.json()["received"] == received
        while received < size:
            end = min(received + CHUNK, size) - 1
            answer = chunk(data, received, end)
            received = end + 1
            assert answer.status_code == (201 if received == size else 202), answer.text
        assert worker.head(name).status_code == 200
        assert (settings.blob_root / "blobs" / name[:2] / name[2:4] / name).read_bytes() == data
    assert partial_files(settings) == []


def test_an_upload_whose_every_byte_arrived_but_was_never_finished_completes(http, settings):
    """The server stopped between the last chunk and the checks: the next chunk finishes it."""
    worker = Device(http, "worker1")
    data = noise_png(30)
    folder = settings.blob_root / "partial" / worker.user["id"]  # partial uploads: per account
    folder.mkdir(parents=True)
    (folder / f"{sha(data)}-{len(data)}.part").write_bytes(data)
    answer = worker.chunk(data, 0, 99, kind="image/png")
    assert answer.status_code == 201, answer.text
    assert worker.head(sha(data)).status_code == 200


def test_a_completed_chunked_upload_is_checked_like_a_whole_one(http, settings):
    worker = Device(http, "worker1")
    photo = jpeg(3, exif=True)
    half = len(photo) // 2
    assert worker.chunk(photo, 0, half - 1).status_code == 202
    is_problem(worker.chunk(photo, half, len(photo) - 1), 422, "exif_present")
    assert worker.head(sha(photo)).status_code == 404
    assert "doorstep-received" not in worker.head(sha(photo)).headers
    assert stored_files(settings) == [] and partial_files(settings) == []


def test_bad_uploads_are_refused_and_store_nothing(http, settings):
    worker = Device(http, "worker1")
    photo, png = jpeg(4), noise_png(16)
    is_problem(worker.put(jpeg(5, exif=True)), 422, "exif_present")
    is_problem(worker.put(png, kind="image/jpeg"), 415, "unsupported_media_type")
    is_problem(worker.put(photo, kind="image/png"), 415, "unsupported_media_type")
    is_problem(worker.put(photo, kind="text/plain"), 415, "unsupported_media_type")
    is_problem(worker.put(b"\xff\xd8\xff" + b"x" * 100), 415, "unsupported_media_type")
    is_problem(worker.put(photo[: len(photo) // 2]), 415, "unsupported_media_type")
    is_problem(worker.put(photo, name=sha(b"other")), 422, "hash_mismatch")
    is_problem(worker.put(photo, name="abc"), 400, "invalid_request")
    is_problem(worker.put(photo, name=sha(photo).upper()), 400, "invalid_request")
    is_problem(worker.put(b"", name=sha(b"")), 400, "invalid_request")
    big = b"\xff\xd8\xff" + bytes(10 * 1024 * 1024)
    is_problem(worker.put(big), 413, "payload_too_large")
    bad_range = worker.put(photo, **{"content-range": "bytes 5-1/10"})
    is_problem(bad_range, 400, "invalid_request")
    is_problem(
        worker.put(photo, **{"content-range": f"bytes 0-9/{11 * 1024 * 1024}"}),
        413,
        "payload_too_large",
    )
    is_problem(worker.put(photo, **{"content-range": "items 0-1/2"}), 400, "invalid_request")
    # Someone else's blob, already stored: the wrong bytes under its name are still refused.
    assert Device(http, "worker2").put(photo).status_code == 201
    is_problem(worker.put(jpeg(6), name=sha(photo)), 422, "hash_mismatch")
    # Without a token: 401, before anything is read.
    anonymous = http.put(f"/api/v1/blobs/{sha(photo)}", content=photo)
    is_problem(anonymous, 401, "unauthorized")
    assert stored_files(settings) == [sha(photo)]
    assert partial_files(settings) == []


def test_an_account_is_held_to_its_daily_quota_on_every_device(http, settings):
    worker = Device(http, "worker1")
    side = 560  # about 0.94 MB each
    first, second, third, fourth = (noise_png(side) for _ in range(4))
    for photo in (first, second, third):
        assert worker.put(photo, kind="image/png").status_code == 201
    refused = worker.put(fourth, kind="image/png")
    is_problem(refused, 429, "quota_exceeded")
    assert refused.headers["retry-after"] == "3600"
    chunk = worker.chunk(fourth, 0, 399_999, kind="image/png")
    is_problem(chunk, 429, "quota_exceeded")
    # A new device is one sign-in away: it shares its account's quota.
    is_problem(Device(http, "worker1").put(fourth, kind="image/png"), 429, "quota_exceeded")
    # Another account has its own.
    assert Device(http, "worker2").put(fourth, kind="image/png").status_code == 201
    assert len(stored_files(settings)) == 4


def test_an_account_is_held_to_its_open_uploads_on_every_device(http, settings):
    """The cap on unfinished uploads is the account's too: a second phone adds none."""
    phone, tablet = Device(http, "worker1"), Device(http, "worker1")
    photos = [noise_png(30) for _ in range(OPEN_UPLOADS + 1)]
    for i, data in enumerate(photos[:-1]):
        device = (phone, tablet)[i % 2]
        assert device.chunk(data, 0, 99, kind="image/png").status_code == 202
    for device in (phone, tablet, Device(http, "worker1")):
        is_problem(device.chunk(photos[-1], 0, 99, kind="image/png"), 429, "quota_exceeded")
    # Another account has its own; finishing one frees a place.
    assert Device(http, "worker2").chunk(photos[-1], 0, 99, kind="image/png").status_code == 202
    assert phone.chunk(photos[0], 100, len(photos[0]) - 1, kind="image/png").status_code == 201
    assert tablet.chunk(photos[-1], 0, 99, kind="image/png").status_code == 202


def test_a_partial_upload_the_accounts_other_device_completed_is_dropped(http, settings):
    phone, tablet = Device(http, "worker1"), Device(http, "worker1")
    data = noise_png(30)
    assert phone.chunk(data, 0, 999, kind="image/png").status_code == 202
    assert tablet.put(data, kind="image/png").status_code == 201
    answer = phone.chunk(data, 1000, len(data) - 1, kind="image/png")
    assert answer.status_code == 200 and answer.json()["size"] == len(data)
    assert partial_files(settings) == []


def test_another_accounts_upload_of_the_same_bytes_is_finished_and_made_its_own(http, settings):
    worker1, worker2 = Device(http, "worker1"), Device(http, "worker2")
    data = noise_png(30)
    assert worker1.chunk(data, 0, 999, kind="image/png").status_code == 202
    assert worker2.put(data, kind="image/png").status_code == 201
    # Stored, but not by worker1's account: to it, the blob is not there until it sends it.
    assert worker1.head(sha(data)).status_code == 404
    answer = worker1.chunk(data, 1000, len(data) - 1, kind="image/png")
    assert answer.status_code == 201 and answer.json()["size"] == len(data)
    assert worker1.head(sha(data)).status_code == 200
    assert partial_files(settings) == []
