"""What the server keeps of a photo is pixels and nothing else: every place metadata can hide in
a JPEG or PNG is refused, as are giant and cut-off images; what the phone makes passes."""

import io
import zlib

import pytest
from PIL import Image

from mobile.core.media import prepare_photo, prepare_signature
from server.blobs import media
from server.errors import ProblemError
from tests.support.blobs import (
    EXIF,
    XMP,
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
)


def _code(data: bytes, kind: str) -> str:
    with pytest.raises(ProblemError) as refused:
        media.check(io.BytesIO(data), kind)
    return refused.value.code


def test_what_the_phone_makes_passes():
    photo = prepare_photo(jpeg(7, size=(640, 480), exif=True))
    media.check(io.BytesIO(photo.data), "image/jpeg")
    signature = io.BytesIO()
    Image.new("RGBA", (300, 120), (0, 0, 0, 0)).save(signature, "PNG")
    media.check(io.BytesIO(prepare_signature(signature.getvalue()).data), "image/png")
    media.check(io.BytesIO(progressive_jpeg()), "image/jpeg")


@pytest.mark.parametrize(
    ("name", "build", "code"),
    [
        (
            "EXIF after a fill byte",
            lambda d: after_jfif(d, b"\xff" + segment(0xE1, EXIF)),
            "exif_present",
        ),
        ("XMP with the place", lambda d: after_jfif(d, segment(0xE1, XMP)), "metadata_present"),
        (
            "a comment",
            lambda d: after_jfif(d, segment(0xFE, b"taken at No. 3")),
            "metadata_present",
        ),
        (
            "an ICC profile",
            lambda d: after_jfif(d, segment(0xE2, b"ICC_PROFILE\x00\x01\x01x")),
            "metadata_present",
        ),
        (
            "a JFXX thumbnail",
            lambda d: after_jfif(d, segment(0xE0, b"JFXX\x00\x10" + b"\x00" * 20)),
            "metadata_present",
        ),
        ("bytes after the end", lambda d: d + b"GPS 39.9N 116.4E", "metadata_present"),
        (
            "a junk byte before EXIF",
            lambda d: after_jfif(d, b"\x00" + segment(0xE1, EXIF)),
            "unsupported_media_type",
        ),
    ],
)
def test_jpeg_metadata_anywhere_is_refused(name, build, code):
    assert _code(build(jpeg(3)), "image/jpeg") == code, name


def test_exif_between_the_scans_of_a_progressive_jpeg_is_refused():
    data = progressive_jpeg()
    assert _code(between_scans(data, segment(0xE1, EXIF)), "image/jpeg") == "exif_present"
    hidden = between_scans(data, segment(0xED, b"Photoshop 3.0\x00"))
    assert _code(hidden, "image/jpeg") == "metadata_present"


@pytest.mark.parametrize(
    ("name", "after", "chunk", "code"),
    [
        ("eXIf after the image data", b"IDAT", png_chunk(b"eXIf", EXIF[6:]), "exif_present"),
        (
            "a text chunk",
            b"IHDR",
            png_chunk(b"tEXt", b"Comment\x00No. 3 Building"),
            "metadata_present",
        ),
        (
            "a compressed text chunk",
            b"IDAT",
            png_chunk(b"zTXt", b"GPS\x00\x00" + zlib.compress(b"39.9N")),
            "metadata_present",
        ),
        (
            "an international text chunk",
            b"IHDR",
            png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + XMP),
            "metadata_present",
        ),
        (
            "a time chunk",
            b"IHDR",
            png_chunk(b"tIME", b"\x07\xea\x0b\x1c\x0a\x00\x00"),
            "metadata_present",
        ),
        (
            "an ICC profile",
            b"IHDR",
            png_chunk(b"iCCP", b"camera\x00\x00" + zlib.compress(b"x" * 40)),
            "metadata_present",
        ),
        ("a private chunk", b"IHDR", png_chunk(b"prVt", b"where"), "metadata_present"),
    ],
)
def test_png_metadata_anywhere_is_refused(name, after, chunk, code):
    assert _code(png_after(noise_png(8), after, chunk), "image/png") == code, name


def test_bytes_after_a_pngs_end_are_refused():
    assert _code(noise_png(8) + b"lat=39.9", "image/png") == "metadata_present"


def test_giants_are_refused_however_small_the_file():
    # 81 million pixels of 1-bit grey compress to a few KiB: refused before any decoding.
    side = 9000
    rows = blank_rows(side)
    giant = bare_png(side, side, rows)
    assert len(giant) < 100_000
    assert _code(giant, "image/png") == "image_too_large"
    # 88 million pixels, the image data cut short.
    assert _code(bare_png(9400, 9400, rows[:500]), "image/png") == "image_too_large"
    # Just over the limit: 40,000,001 pixels would need 6,326 × 6,324 or so.
    assert _code(bare_png(6400, 6300, rows[:500]), "image/png") == "image_too_large"


def test_a_cut_off_image_is_refused_even_with_its_end_marker():
    side = 64
    rows = zlib.compress((b"\x00" + b"\xff" * (side // 8)) * side)
    whole = bare_png(side, side, rows)
    media.check(io.BytesIO(whole), "image/png")
    cut = bare_png(side, side, rows[: len(rows) // 2])
    assert _code(cut, "image/png") == "unsupported_media_type"
    # A JPEG cut inside its scan. (One cut and then closed with a forged end marker decodes,
    # the rest grey, as libjpeg does: it is still only pixels, so it is not refused.)
    photo = jpeg(5, size=(320, 240))
    scan = photo.index(b"\xff\xda")
    assert _code(photo[: scan + (len(photo) - scan) // 2], "image/jpeg") == "unsupported_media_type"
