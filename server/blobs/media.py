"""What a blob's bytes must be: a JPEG or PNG as its content type says, without EXIF.

The magic bytes decide the type; Pillow then reads the image's structure (without decoding
its pixels) so that a file that merely starts right is refused too. A JPEG's EXIF lives in an
APP1 segment starting `Exif\\0\\0`, walked to before the image data; a PNG's in an `eXIf`
chunk. Either is refused: it can carry where and when the photo was taken and the phone's
make, and the phone strips it before hashing.
"""

import struct
import warnings
from typing import BinaryIO

from PIL import Image

from server.errors import ProblemError

MEDIA_TYPES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
# How a whole image ends: a JPEG's end-of-image marker, a PNG's IEND chunk (a cut-off upload
# that Pillow's structural check would let through ends otherwise).
_ENDINGS = {"image/jpeg": b"\xff\xd9", "image/png": b"IEND\xaeB`\x82"}
_PILLOW_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG"}


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


def _jpeg_has_exif(file: BinaryIO) -> bool:
    file.seek(2)
    while True:
        marker = file.read(2)
        if len(marker) < 2 or marker[0] != 0xFF:
            return False
        kind = marker[1]
        if kind in (0xD9, 0xDA):  # end of image, start of scan: no more metadata
            return False
        if 0xD0 <= kind <= 0xD7 or kind == 0x01:
            continue  # markers without a length
        size_bytes = file.read(2)
        if len(size_bytes) < 2:
            return False
        (size,) = struct.unpack(">H", size_bytes)
        if kind == 0xE1 and size >= 8:
            head = file.read(6)
            if head == b"Exif\x00\x00":
                return True
            file.seek(size - 2 - len(head), 1)
        else:
            file.seek(size - 2, 1)


def _png_has_exif(file: BinaryIO) -> bool:
    file.seek(8)
    while True:
        head = file.read(8)
        if len(head) < 8:
            return False
        size, kind = struct.unpack(">I4s", head)
        if kind == b"eXIf":
            return True
        if kind in (b"IDAT", b"IEND"):
            return False
        file.seek(size + 4, 1)


def check(file: BinaryIO, media_type: str) -> None:
    """Refuses bytes that are not the declared type (415) or that carry EXIF (422)."""
    file.seek(0)
    if not file.read(len(MEDIA_TYPES[media_type])) == MEDIA_TYPES[media_type]:
        raise _wrong_type(media_type)
    ending = _ENDINGS[media_type]
    file.seek(-len(ending), 2)
    if file.read(len(ending)) != ending:
        raise _wrong_type(media_type)
    file.seek(0)
    try:
        with warnings.catch_warnings():
            # An image claiming more pixels than Pillow's limit (89 million) is refused, not
            # merely warned about: no phone photo is that large.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file, formats=[_PILLOW_FORMAT[media_type]]) as image:
                image.verify()
    except Exception as exc:  # Pillow says "not this image" in many ways
        raise _wrong_type(media_type) from exc
    has_exif = _jpeg_has_exif(file) if media_type == "image/jpeg" else _png_has_exif(file)
    if has_exif:
        raise ProblemError(
            422,
            "exif_present",
            "The photo still carries EXIF metadata (place, time, camera). Strip it on the "
            "phone before hashing and uploading.",
        )
