"""Photos and signed pushes for the blob tests, spoken over real HTTP with httpx."""

import hashlib
import io
import os
import struct
import uuid
import zlib

import httpx
from PIL import Image

from tests.support.server import PASSWORD


def jpeg(seed: int = 0, size: tuple[int, int] = (64, 48), exif: bool = False) -> bytes:
    """A JPEG of random pixels (a few KB at the default size, never twice the same); with
    `exif`, carrying an EXIF block (camera make, time) as a phone's camera writes one."""
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    image.putpixel((seed % size[0], 0), (255, 255, 255))
    out = io.BytesIO()
    if exif:
        tags = Image.Exif()
        tags[0x010F] = "PhoneMaker"  # Make
        tags[0x0132] = "2026:11:28 10:00:00"  # DateTime
        image.save(out, "JPEG", exif=tags)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def noise_png(side: int) -> bytes:
    """A PNG of random pixels: it barely compresses, so its size is about side²×3 bytes."""
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=0)
    return out.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Where metadata hides in a JPEG or PNG (tests/test_photo_metadata.py, tests/test_http_photos.py).
EXIF = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00"
XMP = (
    b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><rdf:Description "
    b'exif:GPSLatitude="39,54.6N" exif:GPSLongitude="116,23.4E"/></x:xmpmeta>'
)


def segment(marker: int, body: bytes) -> bytes:
    """A JPEG marker segment."""
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def after_jfif(data: bytes, insert: bytes) -> bytes:
    """`insert` placed right after the JFIF header (SOI + an APP0 of 16 bytes)."""
    assert data[2:4] == b"\xff\xe0"
    return data[:20] + insert + data[20:]


def progressive_jpeg() -> bytes:
    image = Image.frombytes("RGB", (64, 48), bytes(range(256)) * 36)
    out = io.BytesIO()
    image.save(out, "JPEG", progressive=True)
    return out.getvalue()


def between_scans(data: bytes, insert: bytes) -> bytes:
    """`insert` placed before the second scan of a progressive JPEG."""
    second_scan = data.index(b"\xff\xda", data.index(b"\xff\xda") + 2)
    return data[:second_scan] + insert + data[second_scan:]


def png_after(data: bytes, kind: bytes, insert: bytes) -> bytes:
    """`insert` placed right after the first chunk of `kind`."""
    at = 8
    while True:
        size, found = struct.unpack(">I4s", data[at : at + 8])
        at += 12 + size
        if found == kind:
            return data[:at] + insert + data[at:]


def bare_png(width: int, height: int, idat: bytes) -> bytes:
    """A 1-bit greyscale PNG of this size around the image data given (whole or not)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def blank_rows(side: int) -> bytes:
    """A square 1-bit image's data, all black, compressed: 81 megapixels fit in a few KiB."""
    return zlib.compress((b"\x00" + b"\x00" * (side // 8)) * side, 9)


class Device:
    """A signed-in device of the live server."""

    def __init__(self, http: httpx.Client, username: str, public_key: str | None = None):
        self.http, self.device_id, self.seq = http, str(uuid.uuid4()), 0
        body = {"username": username, "password": PASSWORD, "device_id": self.device_id}
        if public_key:
            body["device_public_key"] = public_key
        response = http.post("/api/v1/auth/login", json=body)
        assert response.status_code == 200, response.text
        self.user = response.json()["user"]
        self.headers = {"authorization": f"Bearer {response.json()['access_token']}"}

    def put(self, data: bytes, name: str | None = None, kind="image/jpeg", **headers):
        return self.http.put(
            f"/api/v1/blobs/{name or sha(data)}",
            content=data,
            headers={**self.headers, "content-type": kind, **headers},
        )

    def chunk(self, data: bytes, start: int, end: int, kind="image/jpeg", body=None):
        """Bytes start..end (inclusive) of `data` as one chunk of a resumable upload."""
        return self.http.put(
            f"/api/v1/blobs/{sha(data)}",
            content=data[start : end + 1] if body is None else body,
            headers={
                **self.headers,
                "content-type": kind,
                "content-range": f"bytes {start}-{end}/{len(data)}",
            },
        )

    def head(self, name: str):
        return self.http.head(f"/api/v1/blobs/{name}", headers=self.headers)

    def get(self, url: str, **kwargs):
        return self.http.get(url, headers=self.headers, **kwargs)

    def push(self, *mutations: tuple[str, dict], seq: int | None = None):
        start = self.seq + 1 if seq is None else seq
        batch = [
            {
                "seq": start + i,
                "name": name,
                "args": args,
                "hlc": f"{1_764_300_000_000 + i}:00000:t",
            }
            for i, (name, args) in enumerate(mutations)
        ]
        response = self.http.post(
            "/api/v1/sync/push",
            json={"protocol": 1, "device_id": self.device_id, "mutations": batch},
            headers=self.headers,
        )
        if response.status_code == 200:
            self.seq = response.json()["last_seq"]
        return response
