"""What a blob's bytes must be: a JPEG or PNG as its content type says, pixels and nothing else.

What the server keeps of a photo carries no metadata of any kind, so the check is a list of
what may be there, not of what may not: a JPEG is walked segment by segment (scans included,
so metadata hidden between the scans of a progressive JPEG is found), a PNG chunk by chunk,
and anything outside the list is refused, as is any byte after the end of the image. The
phone re-encodes every photo with Pillow before hashing it (mobile/core/media.py), which writes
exactly what the lists allow, so refusing is enough: the server never re-encodes and a blob's
name stays the SHA-256 of the bytes the phone made.

Then Pillow decodes the pixels, so that a truncated image is refused too, and an image of more
than 40 million pixels (a phone photo has 12 to 50 million before the phone shrinks it to at
most 1600 px a side) is refused before it is decoded.
"""

import io
import struct
import warnings
from typing import BinaryIO

from PIL import Image

from server.errors import ProblemError

MEDIA_TYPES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
_PILLOW_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG"}
MAX_PIXELS = 40_000_000

# JPEG markers that carry the image and nothing else: quantisation and Huffman tables, restart
# interval, arithmetic conditioning, the frame headers (SOF0–SOF15 but for DHT, JPG and DAC,
# which are listed apart), the number of lines.
_JPEG_TABLES = {0xDB, 0xC4, 0xDD, 0xCC, 0xDC}
_JPEG_FRAMES = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_SOS, _EOI, _APP0, _APP1 = 0xDA, 0xD9, 0xE0, 0xE1
# The JFIF header a re-encoding writes: "JFIF\0", version, units, densities, and a 0 × 0
# thumbnail (length 16). A JFIF thumbnail or JFXX extension is a picture of its own.
_JFIF_LENGTH = 16

# PNG chunks that say how to draw the pixels and nothing else (no text, time, ICC profile,
# EXIF or private chunk).
_PNG_CHUNKS = {
    b"IHDR",
    b"PLTE",
    b"IDAT",
    b"IEND",
    b"tRNS",
    b"gAMA",
    b"cHRM",
    b"sRGB",
    b"sBIT",
    b"bKGD",
    b"pHYs",
}


class _Metadata(Exception):
    """Bytes that are not pixels: `exif` says whether they are EXIF (the older, known code)."""

    def __init__(self, what: str, exif: bool = False) -> None:
        super().__init__(what)
        self.what, self.exif = what, exif


def media_type_of(header: str | None) -> str:
    """The blob's declared type from a Content-Type header, or 415."""
    kind = (header or "").split(";", 1)[0].strip().lower()
    if kind not in MEDIA_TYPES:
        raise ProblemError(
            415, "unsupported_media_type", "A blob is sent as image/jpeg or image/png."
        )
    return kind


def _wrong_type(media_type: str) -> ProblemError:
    return ProblemError(
        415, "unsupported_media_type", f"The bytes are not a well-formed {media_type} image."
    )


class _Malformed(Exception):
    """The structure is broken: not a well-formed image of the declared type."""


def _jpeg_segments(data: bytes) -> None:
    """Walks a whole JPEG; raises _Metadata for anything but pixels, _Malformed when broken."""
    at = 2  # after SOI
    while True:
        if at + 2 > len(data) or data[at] != 0xFF:
            raise _Malformed("a marker was expected")
        kind = data[at + 1]
        if kind == 0xFF:  # fill bytes before a marker
            at += 1
            continue
        if kind == _EOI:
            if at + 2 != len(data):
                raise _Metadata(f"{len(data) - at - 2} bytes after the end of the image")
            return
        if at + 4 > len(data):
            raise _Malformed("a segment is cut off")
        (size,) = struct.unpack(">H", data[at + 2 : at + 4])
        body = data[at + 4 : at + 2 + size]
        if size < 2 or len(body) != size - 2:
            raise _Malformed("a segment is cut off")
        if kind == _APP0:
            if size != _JFIF_LENGTH or not body.startswith(b"JFIF\x00"):
                raise _Metadata("an APP0 segment other than a plain JFIF header")
        elif kind == _APP1 and body.startswith(b"Exif\x00\x00"):
            raise _Metadata("EXIF (APP1)", exif=True)
        elif kind not in _JPEG_TABLES and kind not in _JPEG_FRAMES and kind != _SOS:
            raise _Metadata(f"segment FF{kind:02X}")
        at += 2 + size
        if kind == _SOS:
            at = _after_scan(data, at)


def _after_scan(data: bytes, at: int) -> int:
    """Where the entropy-coded data that starts at `at` ends: the next marker that is neither
    a stuffed 0xFF00 nor a restart marker (RST0–RST7)."""
    while True:
        at = data.find(b"\xff", at)
        if at < 0 or at + 1 >= len(data):
            raise _Malformed("a scan runs past the end")
        following = data[at + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            at += 2
        elif following == 0xFF:
            at += 1
        else:
            return at


def _png_chunks(data: bytes) -> None:
    at = 8
    while True:
        if at + 8 > len(data):
            raise _Malformed("a chunk is cut off")
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        end = at + 12 + size
        if end > len(data):
            raise _Malformed("a chunk is cut off")
        if kind == b"eXIf":
            raise _Metadata("EXIF (eXIf chunk)", exif=True)
        if kind not in _PNG_CHUNKS:
            raise _Metadata(f"chunk {kind.decode('latin-1')!r}")
        if kind == b"IEND":
            if end != len(data):
                raise _Metadata(f"{len(data) - end} bytes after the end of the image")
            return
        at = end


def _too_large(size: tuple[int, int] | None = None) -> ProblemError:
    says = f"The image has {size[0]} × {size[1]} pixels" if size else "The image is too large"
    return ProblemError(
        422,
        "image_too_large",
        f"{says}; at most {MAX_PIXELS:,} pixels are taken (the phone shrinks photos before "
        "sending them).",
    )


def _decode(data: bytes, media_type: str) -> None:
    """Reads the header, refuses a giant before decoding it, then decodes every pixel (a
    truncated image fails here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[_PILLOW_FORMAT[media_type]])
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise _too_large() from None
        with image:
            if image.size[0] * image.size[1] > MAX_PIXELS:
                raise _too_large(image.size)
            image.load()


def check(file: BinaryIO, media_type: str) -> None:
    """Refuses bytes that are not the declared type or are cut off (415), carry anything but
    pixels (422 `exif_present` for EXIF, `metadata_present` for the rest) or are too large
    (422 `image_too_large`)."""
    file.seek(0)
    data = file.read()
    if not data.startswith(MEDIA_TYPES[media_type]):
        raise _wrong_type(media_type)
    try:
        if media_type == "image/jpeg":
            _jpeg_segments(data)
        else:
            _png_chunks(data)
    except _Malformed as exc:
        raise _wrong_type(media_type) from exc
    except _Metadata as found:
        if found.exif:
            raise ProblemError(
                422,
                "exif_present",
                "The photo still carries EXIF metadata (place, time, camera). Strip it on the "
                "phone before hashing and uploading.",
            ) from None
        raise ProblemError(
            422,
            "metadata_present",
            f"The image carries more than pixels ({found.what}). Re-encode it on the phone "
            "before hashing and uploading.",
        ) from None
    try:
        _decode(data, media_type)
    except ProblemError:
        raise
    except Exception as exc:  # Pillow says "not this image" or "cut off" in many ways
        raise _wrong_type(media_type) from exc
