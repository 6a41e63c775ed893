"""The blob store and the media checks on their own: layout by hash, chunks all or nothing,
one writer per partial upload, stale partial uploads swept, EXIF found in JPEG and PNG."""

import io
import os
import struct
import zlib

import pytest

from server.blobs import media
from server.blobs.store import LocalBlobStore, UploadBusy, resumable_slot
from server.errors import ProblemError
from tests.support.blobs import jpeg, noise_png, sha

OWNER = "0b3c1d2e-0000-4000-8000-000000000001"


def test_layout_by_hash_and_atomic_promotion(tmp_path):
    store = LocalBlobStore(tmp_path)
    data = jpeg(1)
    slot = resumable_slot(sha(data), len(data))
    with store.appending(OWNER, slot) as file:
        file.write(data)
    assert store.received(OWNER, sha(data)) == (len(data), len(data))
    assert not store.has(sha(data))
    store.promote(OWNER, slot, sha(data))
    name = sha(data)
    assert (tmp_path / "blobs" / name[:2] / name[2:4] / name).read_bytes() == data
    assert store.has(name) and store.received(OWNER, name) is None
    with pytest.raises(ValueError):
        store.has("../../etc/passwd")
    with pytest.raises(ValueError):
        store.received("../x", name)


def test_a_chunk_is_all_or_nothing_and_has_one_writer(tmp_path):
    store = LocalBlobStore(tmp_path)
    slot = resumable_slot("a" * 64, 100)
    with store.appending(OWNER, slot) as file:
        file.write(b"x" * 10)
    with pytest.raises(RuntimeError), store.appending(OWNER, slot) as file:
        file.write(b"y" * 30)
        raise RuntimeError("the client went away")
    assert store.received(OWNER, "a" * 64) == (10, 100)
    with store.appending(OWNER, slot), pytest.raises(UploadBusy):
        with store.appending(OWNER, slot):
            pass
    assert store.partial_bytes(OWNER) == (1, 10)


def test_stale_partial_uploads_are_swept(tmp_path):
    store = LocalBlobStore(tmp_path)
    for name, age in (("b" * 64, 8 * 86400), ("c" * 64, 3600)):
        with store.appending(OWNER, resumable_slot(name, 50)) as file:
            file.write(b"z")
        path = tmp_path / "partial" / OWNER / resumable_slot(name, 50)
        os.utime(path, (path.stat().st_atime - age, path.stat().st_mtime - age))
    assert store.sweep(7 * 86400) == 1
    assert store.received(OWNER, "b" * 64) is None
    assert store.received(OWNER, "c" * 64) == (1, 50)


def _png_with_exif(png: bytes) -> bytes:
    body = b"MM\x00*\x00\x00\x00\x08\x00\x00"
    chunk = struct.pack(">I", len(body)) + b"eXIf" + body
    chunk += struct.pack(">I", zlib.crc32(b"eXIf" + body))
    return png[:33] + chunk + png[33:]  # after the signature and IHDR


def test_media_checks():
    media.check(io.BytesIO(jpeg(2)), "image/jpeg")
    media.check(io.BytesIO(noise_png(8)), "image/png")
    for data, kind, code in (
        (jpeg(3, exif=True), "image/jpeg", "exif_present"),
        (_png_with_exif(noise_png(8)), "image/png", "exif_present"),
        (noise_png(8), "image/jpeg", "unsupported_media_type"),
        (jpeg(4)[:-2], "image/jpeg", "unsupported_media_type"),
        (
            b"\x89PNG\r\n\x1a\n" + b"junk" * 10 + b"IEND\xaeB`\x82",
            "image/png",
            "unsupported_media_type",
        ),
    ):
        with pytest.raises(ProblemError) as refused:
            media.check(io.BytesIO(data), kind)
        assert refused.value.code == code
    with pytest.raises(ProblemError) as refused:
        media.media_type_of("image/gif")
    assert refused.value.status == 415
    assert media.media_type_of("IMAGE/PNG; q=1") == "image/png"


def test_an_image_claiming_too_many_pixels_is_refused():
    png = noise_png(8)
    # IHDR width and height rewritten to 20000 × 20000 (400 million pixels), CRC fixed.
    ihdr = b"IHDR" + struct.pack(">II", 20000, 20000) + png[24:29]
    forged = png[:12] + ihdr + struct.pack(">I", zlib.crc32(ihdr)) + png[33:]
    with pytest.raises(ProblemError) as refused:
        media.check(io.BytesIO(forged), "image/png")
    assert refused.value.code == "image_too_large"


def test_only_well_formed_hashes_count_as_named_blobs():
    from types import SimpleNamespace

    from server.blobs.proof import named_blobs

    good, upper = "a" * 64, "A" * 64
    mutation = SimpleNamespace(
        name="checkin.record",
        args={"proof": {"photos": [good, upper, "zz", 5], "signature": "b" * 64}},
    )
    other = SimpleNamespace(name="visit.start", args={"proof": {"photos": ["c" * 64]}})
    assert named_blobs([mutation, other]) == {good, "b" * 64}
