"""A photo an Open311 client sends with its request (the multipart part `media`): the same
checks as a phone's blob (an image of the declared type, nothing but pixels, not too large),
then kept in the blob store under its SHA-256 and served back as the request's `media_url`."""

import hashlib
from typing import Any

import anyio
from litestar.datastructures import UploadFile

from server.blobs import media
from server.blobs.store import BlobStore, whole_slot
from server.blobs.uploads import MAX_BLOB_BYTES
from server.errors import ProblemError


def _keep(store: BlobStore, owner: str, data: bytes, media_type: str) -> str:
    sha256 = hashlib.sha256(data).hexdigest()
    slot = whole_slot(sha256)
    with store.appending(owner, slot) as file:
        file.write(data)
    try:
        with store.open_partial(owner, slot) as file:
            media.check(file, media_type)
    except BaseException:
        store.drop(owner, slot)
        raise
    store.promote(owner, slot, sha256)
    return sha256


async def keep(store: BlobStore, owner: str, part: Any) -> tuple[str, str]:
    """(sha256, media type) of the checked photo, now in the store; 4xx if it is refused."""
    if not isinstance(part, UploadFile):
        raise ProblemError(400, "invalid_request", "media is a file part of a multipart POST.")
    media_type = media.media_type_of(part.content_type)
    data = await part.read(MAX_BLOB_BYTES + 1)
    if len(data) > MAX_BLOB_BYTES:
        raise ProblemError(413, "payload_too_large", "A photo may be at most 10 MiB.")
    if not data:
        raise ProblemError(400, "invalid_request", "media is empty.")
    sha256 = await anyio.to_thread.run_sync(_keep, store, owner, data, media_type)
    return sha256, media_type
