"""Photos and signatures sent before the records that name them: asked for first (`HEAD`),
sent in chunks with `Content-Range`, resumed from what the server says it received.

A cut connection costs at most the chunk on the wire: the next try asks the server how much
arrived (`Doorstep-Received`) and carries on from there. See docs/sync.md, "Photos from the
phone".
"""

from collections.abc import Callable, Iterable
from typing import Any

import httpx

from mobile.core.blobs import CONFIRMED, BlobInfo, BlobStore

CHUNK = 256 * 1024
RECEIVED = "doorstep-received"
Call = Callable[..., httpx.Response]  # SyncClient._call: authorized, refreshed, retried
Progress = Callable[[int, int], None]  # bytes sent (or found on the server), bytes in all


class BlobRefused(Exception):
    """The server refused a photo for what it is (not a picture, EXIF, too big)."""


def named_blobs(args: dict[str, Any]) -> list[str]:
    """The blobs a mutation's arguments name, each once, photos first."""
    proof = args.get("proof")
    if not isinstance(proof, dict):
        return []
    named = [
        *(proof.get("photos") or []),
        *([proof["signature"]] if proof.get("signature") else []),
    ]
    return list(dict.fromkeys(named))


class Uploader:
    def __init__(self, blobs: BlobStore, call: Call, chunk: int = CHUNK) -> None:
        self.blobs = blobs
        self.call = call
        self.chunk = chunk

    def _standing(self, sha256: str) -> int | None:
        """None when the server holds the blob whole; else how many bytes of ours arrived."""
        response = self.call("HEAD", f"/api/v1/blobs/{sha256}", allow=(404,))
        if response.status_code == 200:
            return None
        return int(response.headers.get(RECEIVED) or 0)

    def send(self, hashes: Iterable[str], progress: Progress | None = None) -> list[str]:
        """Make sure the server holds each blob this phone still keeps; returns those sent
        or found there. Blobs confirmed earlier are not asked about again."""
        waiting: list[BlobInfo] = []
        for sha in dict.fromkeys(hashes):
            info = self.blobs.info(sha)
            if info is not None and info.state != CONFIRMED and self.blobs.has_bytes(sha):
                waiting.append(info)
        total, done = sum(i.size for i in waiting), 0
        for info in waiting:
            received = self._standing(info.sha256)
            if received is not None:
                self._upload(info, received, lambda n, base=done: _tell(progress, base + n, total))
            done += info.size
            _tell(progress, done, total)
        return [info.sha256 for info in waiting]

    def _upload(self, info: BlobInfo, offset: int, sent: Callable[[int], None]) -> None:
        path = f"/api/v1/blobs/{info.sha256}"
        headers = {"content-type": info.media_type}
        if offset == 0 and info.size <= self.chunk:
            self._answer(
                self.call(
                    "PUT",
                    path,
                    content=self.blobs.whole(info.sha256),
                    headers=headers,
                    allow=_ALLOW,
                )
            )
            sent(info.size)
            return
        while offset < info.size:
            end = min(offset + self.chunk, info.size)
            piece = self.blobs.read(info.sha256, offset, end)
            ranged = {**headers, "content-range": f"bytes {offset}-{end - 1}/{info.size}"}
            response = self.call("PUT", path, content=piece, headers=ranged, allow=_ALLOW)
            if response.status_code == 409:  # an earlier try arrived after all: carry on from there
                offset = int(response.json().get("received", 0))
                continue
            self._answer(response)
            offset = (
                info.size if response.status_code in (200, 201) else response.json()["received"]
            )
            sent(offset)

    @staticmethod
    def _answer(response: httpx.Response) -> None:
        if response.status_code in (200, 201, 202):
            return
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        raise BlobRefused(problem.get("detail") or f"HTTP {response.status_code}")


_ALLOW = (409, 413, 415, 422)


def _tell(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)
