"""The third audit's photo rows over real HTTP, on SQLite and PostgreSQL (issue 19): every place
metadata hid in what was accepted and served back, and the image bombs, sent whole and in
chunks, are refused with their code, store nothing, download nothing, and cannot be named by a
proof. (`tests/test_photo_metadata.py` holds the checker itself against more cases.)"""

import uuid
from dataclasses import replace

import httpx
import pytest

from tests.support.blobs import (
    EXIF,
    XMP,
    Device,
    after_jfif,
    bare_png,
    between_scans,
    blank_rows,
    jpeg,
    noise_png,
    png_after,
    png_chunk,
    progressive_jpeg,
    segment,
    sha,
)
from tests.test_http_auth import is_problem

# name → (bytes, content type, the code that refuses them)
REFUSED = {
    "JPEG: EXIF after a fill byte": (
        lambda: after_jfif(jpeg(1), b"\xff" + segment(0xE1, EXIF)),
        "image/jpeg",
        "exif_present",
    ),
    "JPEG: EXIF between progressive scans": (
        lambda: between_scans(progressive_jpeg(), segment(0xE1, EXIF)),
        "image/jpeg",
        "exif_present",
    ),
    "JPEG: XMP with GPS": (
        lambda: after_jfif(jpeg(2), segment(0xE1, XMP)),
        "image/jpeg",
        "metadata_present",
    ),
    "JPEG: a comment": (
        lambda: after_jfif(jpeg(3), segment(0xFE, b"No. 3 Building, flat 502")),
        "image/jpeg",
        "metadata_present",
    ),
    "PNG: eXIf after the image data": (
        lambda: png_after(noise_png(8), b"IDAT", png_chunk(b"eXIf", EXIF[6:])),
        "image/png",
        "exif_present",
    ),
    "PNG: a text chunk": (
        lambda: png_after(noise_png(8), b"IHDR", png_chunk(b"tEXt", b"GPS\x0039.9N 116.4E")),
        "image/png",
        "metadata_present",
    ),
    "PNG: 81 megapixels in a few KiB": (
        lambda: bare_png(9000, 9000, blank_rows(9000)),
        "image/png",
        "image_too_large",
    ),
    "PNG: 88 megapixels, cut short": (
        lambda: bare_png(9400, 9400, blank_rows(9000)[:500]),
        "image/png",
        "image_too_large",
    ),
}


@pytest.fixture
def settings(settings, tmp_path):
    return replace(settings, blob_dir=str(tmp_path / "blobs"))


@pytest.fixture
def http(live_url):
    with httpx.Client(base_url=live_url, timeout=60) as client:
        yield client


def _stored(settings) -> list[str]:
    root = settings.blob_root
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _checkin(resident_id: str, photo: str) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "resident_id": resident_id,
        "at": "2026-11-28T02:00:00Z",
        "seen_in_person": True,
        "wellbeing": "good",
        "notes": "",
        "proof": {"photos": [photo], "signature": None, "location": None},
    }


def test_hidden_metadata_and_bombs_are_refused_whole_and_in_chunks(http, settings):
    worker = Device(http, "worker1")
    supervisor = Device(http, "supervisor1")
    resident = worker.get("/api/v1/residents", params={"limit": 1}).json()[0]
    for name, (build, kind, code) in REFUSED.items():
        data = build()
        is_problem(worker.put(data, kind=kind), 422, code)
        # Sent as a resumable upload, it is checked once whole, and the same way.
        half = len(data) // 2
        assert worker.chunk(data, 0, half - 1, kind=kind).status_code == 202, name
        is_problem(worker.chunk(data, half, len(data) - 1, kind=kind), 422, code)
        assert _stored(settings) == [], name
        for device in (worker, supervisor):
            assert device.get(f"/api/v1/blobs/{sha(data)}").status_code == 404, name
            assert device.head(sha(data)).status_code == 404, name
        named = worker.push(("checkin.record", _checkin(resident["id"], sha(data))))
        is_problem(named, 409, "blobs_missing")
    # The same photo without its metadata goes through: it is the hiding that is refused.
    clean = noise_png(8)
    assert worker.put(clean, kind="image/png").status_code == 201
    assert worker.get(f"/api/v1/blobs/{sha(clean)}").status_code == 404  # no record names it yet
    assert worker.push(("checkin.record", _checkin(resident["id"], sha(clean)))).status_code == 200
    served = supervisor.get(f"/api/v1/blobs/{sha(clean)}")
    assert served.status_code == 200 and served.content == clean
