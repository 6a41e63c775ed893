"""Where blob bytes live: a storage interface, and the local filesystem behind it by default.

Complete blobs are laid out by hash, `blobs/ab/cd/abcd…`, and never change once there. An
upload grows in `partial/<device>/`, one file per blob and device (`<sha256>-<total>.part`, or a
`.tmp` with a random token for a whole upload in one request); it moves into place with one
rename once it is complete and checked, so a reader never sees half a blob. The database's
`blob` table, not the files, says which blobs are complete.
"""

import fcntl
import os
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol

SHA256 = re.compile(r"^[0-9a-f]{64}$")
_OWNER = re.compile(r"^[0-9a-f-]{1,64}$")  # a device id


class BlobStore(Protocol):
    """What the server needs of a place to keep blobs."""

    def has(self, sha256: str) -> bool: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def received(self, owner: str, sha256: str) -> tuple[int, int] | None: ...
    def partial_bytes(self, owner: str) -> tuple[int, int]: ...
    def appending(self, owner: str, slot: str) -> AbstractContextManager[BinaryIO]: ...
    def open_partial(self, owner: str, slot: str) -> BinaryIO: ...
    def promote(self, owner: str, slot: str, sha256: str) -> None: ...
    def drop(self, owner: str, slot: str) -> None: ...
    def sweep(self, older_than_s: float) -> int: ...


class UploadBusy(Exception):
    """Another request is writing the same partial upload right now."""


def resumable_slot(sha256: str, total: int) -> str:
    """The partial file of a resumable upload: one per device, blob and announced size."""
    return f"{sha256}-{total}.part"


def whole_slot(sha256: str) -> str:
    """A one-request upload's own partial file, which no other request touches."""
    return f"{sha256}-{secrets.token_hex(8)}.tmp"


class LocalBlobStore:
    """Blobs on the local filesystem under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _final(self, sha256: str) -> Path:
        if not SHA256.match(sha256):
            raise ValueError("not a SHA-256 in hex")
        return self.root / "blobs" / sha256[:2] / sha256[2:4] / sha256

    def _owner(self, owner: str) -> Path:
        if not _OWNER.match(owner):
            raise ValueError("bad owner name")
        return self.root / "partial" / owner

    def _partial(self, owner: str, slot: str) -> Path:
        if "/" in slot or slot.startswith("."):
            raise ValueError("bad partial name")
        return self._owner(owner) / slot

    def has(self, sha256: str) -> bool:
        return self._final(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        return self._final(sha256).open("rb")

    def received(self, owner: str, sha256: str) -> tuple[int, int] | None:
        """(bytes received, announced total) of the device's resumable upload of the blob."""
        folder = self._owner(owner)
        if not folder.is_dir() or not SHA256.match(sha256):
            return None
        for path in folder.glob(f"{sha256}-*.part"):
            total = int(path.name[len(sha256) + 1 : -len(".part")])
            return path.stat().st_size, total
        return None

    def partial_bytes(self, owner: str) -> tuple[int, int]:
        """How many partial uploads the device has open, and their bytes so far."""
        folder = self._owner(owner)
        if not folder.is_dir():
            return 0, 0
        sizes = [path.stat().st_size for path in folder.iterdir() if path.is_file()]
        return len(sizes), sum(sizes)

    @contextmanager
    def appending(self, owner: str, slot: str) -> Iterator[BinaryIO]:
        """The partial file opened for appending, locked against any other request (UploadBusy
        if one holds it). A chunk is all or nothing: if the block raises, the file is cut back
        to where it was (and removed if it was new)."""
        path = self._partial(owner, slot)
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        with path.open("ab") as file:
            try:
                fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise UploadBusy(slot) from exc
            start = file.tell()
            try:
                yield file
                file.flush()
                os.fsync(file.fileno())
            except BaseException:
                file.truncate(start)
                if not existed:
                    path.unlink(missing_ok=True)
                raise

    def open_partial(self, owner: str, slot: str) -> BinaryIO:
        return self._partial(owner, slot).open("rb")

    def promote(self, owner: str, slot: str, sha256: str) -> None:
        """The checked partial file becomes the blob, in one rename (atomic on one filesystem)."""
        source, target = self._partial(owner, slot), self._final(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            source.unlink(missing_ok=True)  # another device completed it first: same bytes
            return
        os.replace(source, target)

    def drop(self, owner: str, slot: str) -> None:
        self._partial(owner, slot).unlink(missing_ok=True)

    def sweep(self, older_than_s: float) -> int:
        """Removes partial uploads untouched for `older_than_s` seconds; how many."""
        folder, removed = self.root / "partial", 0
        if not folder.is_dir():
            return 0
        deadline = time.time() - older_than_s
        for path in folder.glob("*/*"):
            if path.is_file() and path.stat().st_mtime < deadline:
                path.unlink(missing_ok=True)
                removed += 1
        return removed
