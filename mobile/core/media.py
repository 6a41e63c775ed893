"""Photos and signatures made fit to travel: re-encoded by Pillow with no EXIF (no GPS, no
camera serial, no time), at most 1600 px on the long side, with a small thumbnail, and named by
the SHA-256 of the final bytes."""

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

MAX_SIDE = 1600  # px on the long side: enough to read a meter or a crack, small to send
THUMB_SIDE = 160  # px: for lists and the proof strip
JPEG_QUALITY = 82
THUMB_QUALITY = 70
JPEG, PNG = "image/jpeg", "image/png"


class NotAPicture(ValueError):
    """The file is not an image Pillow can read."""


@dataclass(frozen=True)
class Prepared:
    """A photo or signature ready to store: its bytes, their hash, and a thumbnail."""

    sha256: str  # of `data`, 64 lowercase hex digits: the blob's name on the server
    media_type: str  # image/jpeg (photos) or image/png (signatures)
    data: bytes
    thumbnail: bytes  # a small JPEG
    width: int
    height: int


def _open(source: Path | str | bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
        image.load()
    except (OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise NotAPicture(str(exc)) from exc
    return image


def _jpeg(image: Image.Image, side: int, quality: int) -> tuple[bytes, Image.Image]:
    picture = image.copy()
    picture.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No exif=, icc_profile= or comment: the new file carries pixels only.
    picture.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue(), picture


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: transparency and palettes are not for JPEG."""
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def prepare_photo(source: Path | str | bytes) -> Prepared:
    """A camera photo or a picked file, re-encoded: turned upright as the camera meant (the
    EXIF orientation is applied, then dropped), shrunk, EXIF-free JPEG."""
    with _open(source) as original:
        upright = _flatten(ImageOps.exif_transpose(original))
    data, picture = _jpeg(upright, MAX_SIDE, JPEG_QUALITY)
    thumbnail, _ = _jpeg(upright, THUMB_SIDE, THUMB_QUALITY)
    return Prepared(
        hashlib.sha256(data).hexdigest(), JPEG, data, thumbnail, picture.width, picture.height
    )


def prepare_signature(png: bytes) -> Prepared:
    """The resident's signature as drawn on the screen: a PNG re-encoded without metadata."""
    with _open(png) as drawn:
        strokes = drawn.convert("RGBA")
    out = io.BytesIO()
    strokes.save(out, "PNG", optimize=True)
    data = out.getvalue()
    thumbnail, _ = _jpeg(_flatten(strokes), THUMB_SIDE, THUMB_QUALITY)
    return Prepared(
        hashlib.sha256(data).hexdigest(), PNG, data, thumbnail, strokes.width, strokes.height
    )


def received(data: bytes, media_type: str) -> Prepared:
    """A blob fetched from the server (already clean, named by its hash) with a thumbnail."""
    with _open(data) as picture:
        flat = _flatten(picture)
    thumbnail, _ = _jpeg(flat, THUMB_SIDE, THUMB_QUALITY)
    return Prepared(
        hashlib.sha256(data).hexdigest(), media_type, data, thumbnail, flat.width, flat.height
    )


def draw_signature(strokes: list[list[float]], width: int, height: int) -> bytes:
    """The strokes a finger drew on the signature pad (each a flat list x0, y0, x1, y1, … in
    the pad's pixels, y upwards as Kivy counts) as a PNG: black ink on transparent."""
    image = Image.new("RGBA", (max(width, 1), max(height, 1)), (255, 255, 255, 0))
    pen = ImageDraw.Draw(image)
    for stroke in strokes:
        points = [(stroke[i], height - stroke[i + 1]) for i in range(0, len(stroke) - 1, 2)]
        if len(points) == 1:
            points.append(points[0])
        pen.line(points, fill=(20, 20, 30, 255), width=4, joint="curve")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
