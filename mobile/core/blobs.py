"""Photos and signatures on the phone, encrypted, one file each, read a piece at a time.

A blob's bytes are sealed in pieces of PIECE bytes (AES-GCM, the piece's number in the
associated data, so pieces cannot be swapped), so an upload reads and decrypts only the piece
it sends and a phone with a hundred photos never holds more than one piece of one in memory.
Beside the bytes: a sealed thumbnail and a sealed note of the blob's type, size and state.
States: `local` (only here), `confirmed` (the server holds it and a record naming it was
applied; the bytes are deleted here, the thumbnail stays).
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mobile.core.crypto import NONCE_BYTES, Cipher
from mobile.core.media import Prepared

PIECE = 256 * 1024
SEALED_PIECE = PIECE + NONCE_BYTES + 16  # the nonce in front, GCM's tag behind
LOCAL, CONFIRMED = "local", "confirmed"


@dataclass(frozen=True)
class BlobInfo:
    sha256: str
    media_type: str
    size: int
    state: str


class BlobStore:
    def __init__(self, folder: Path, cipher: Cipher) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._cipher = cipher

    def _path(self, sha256: str, suffix: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256")
        return self.folder / f"{sha256}.{suffix}"

    @staticmethod
    def _replace(path: Path, content: bytes) -> None:
        temporary = path.with_suffix(path.suffix + ".tmp")
        temporary.write_bytes(content)
        os.replace(temporary, path)

    def _write_info(self, info: BlobInfo) -> None:
        note = {"media_type": info.media_type, "size": info.size, "state": info.state}
        self._replace(
            self._path(info.sha256, "info"), self._cipher.seal(note, f"blob-info/{info.sha256}")
        )

    # -- keeping -------------------------------------------------------------------------

    def put(self, prepared: Prepared) -> BlobInfo:
        """Keep a prepared photo or signature; keeping the same bytes twice is one blob."""
        existing = self.info(prepared.sha256)
        if existing is not None:
            return existing
        sha, data = prepared.sha256, prepared.data
        temporary = self._path(sha, "data.tmp")
        with temporary.open("wb") as file:
            for n, start in enumerate(range(0, len(data), PIECE)):
                file.write(self._cipher.seal_bytes(data[start : start + PIECE], f"blob/{sha}/{n}"))
        os.replace(temporary, self._path(sha, "data"))
        self._replace(
            self._path(sha, "thumb"), self._cipher.seal_bytes(prepared.thumbnail, f"thumb/{sha}")
        )
        info = BlobInfo(sha, prepared.media_type, len(data), LOCAL)
        self._write_info(info)
        return info

    def info(self, sha256: str) -> BlobInfo | None:
        path = self._path(sha256, "info")
        if not path.exists():
            return None
        note = self._cipher.open(path.read_bytes(), f"blob-info/{sha256}")
        return BlobInfo(sha256, note["media_type"], note["size"], note["state"])

    def all(self) -> list[BlobInfo]:
        found = (self.info(path.stem) for path in sorted(self.folder.glob("*.info")))
        return [info for info in found if info is not None]

    def has_bytes(self, sha256: str) -> bool:
        return self._path(sha256, "data").exists()

    def thumbnail(self, sha256: str) -> bytes | None:
        path = self._path(sha256, "thumb")
        if not path.exists():
            return None
        return self._cipher.open_bytes(path.read_bytes(), f"thumb/{sha256}")

    def confirm(self, sha256: str) -> None:
        """The server holds it and a record naming it stands: keep only the thumbnail."""
        info = self.info(sha256)
        if info is None or info.state == CONFIRMED:
            return
        self._write_info(BlobInfo(sha256, info.media_type, info.size, CONFIRMED))
        self._path(sha256, "data").unlink(missing_ok=True)

    def unconfirm(self, sha256: str) -> None:
        """The server says it lacks the blob after all: it is to be sent again."""
        info = self.info(sha256)
        if info is not None and info.state == CONFIRMED and self.has_bytes(sha256):
            self._write_info(BlobInfo(sha256, info.media_type, info.size, LOCAL))

    def forget(self, sha256: str) -> None:
        for suffix in ("data", "thumb", "info"):
            self._path(sha256, suffix).unlink(missing_ok=True)

    # -- reading -------------------------------------------------------------------------

    def read(self, sha256: str, start: int, end: int) -> bytes:
        """Bytes [start, end) of the blob, decrypting only the pieces that hold them."""
        out = bytearray()
        with self._path(sha256, "data").open("rb") as file:
            for n in range(start // PIECE, (end - 1) // PIECE + 1):
                file.seek(n * SEALED_PIECE)
                piece = self._cipher.open_bytes(file.read(SEALED_PIECE), f"blob/{sha256}/{n}")
                lo = max(start - n * PIECE, 0)
                hi = min(end - n * PIECE, len(piece))
                out += piece[lo:hi]
        return bytes(out)

    def chunks(self, sha256: str, start: int, size: int, total: int) -> Iterator[tuple[int, bytes]]:
        """(offset, bytes) pieces of at most `size` bytes, from `start` to the end."""
        offset = start
        while offset < total:
            end = min(offset + size, total)
            yield offset, self.read(sha256, offset, end)
            offset = end

    def whole(self, sha256: str) -> bytes:
        info = self.info(sha256)
        return self.read(sha256, 0, info.size) if info and info.size else b""
