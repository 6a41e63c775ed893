"""Receiving a blob: whole in one request, or resumable a chunk at a time, checked once complete.

Nothing is stored unless it is right: a chunk is written whole or not at all; a completed
upload whose bytes do not hash to its name, are not the declared image type or carry anything
but pixels is deleted and refused. An account's uploads in the last 24 hours (complete and
partial, on all its devices) are held to a quota, and partial uploads are kept per account.

A blob belongs to the accounts that sent its bytes (`blob_owner`): the first uploader, and any
other that sends the same bytes again. To such an account HEAD says complete, and its proofs
may name the blob; to any other account a blob it never sent is as good as absent, so knowing
a hash is not enough to attach someone else's photo to a record.

Neither the streaming nor the checks hold the database: the request only writes the `blob`
row, in a short transaction, once the bytes are in place.
"""

import hashlib
import re
from collections.abc import AsyncIterator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO
from uuid import UUID

import anyio.to_thread
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from server.blobs import media
from server.blobs.store import (
    SHA256,
    BlobStore,
    LocalBlobStore,
    UploadBusy,
    resumable_slot,
    whole_slot,
)
from server.blobs.tables import Blob, BlobOwner
from server.clock import utcnow
from server.errors import ProblemError
from server.runtime import Runtime

MAX_BLOB_BYTES = 10 * 1024 * 1024  # 10 MiB, per the contract
QUOTA_WINDOW = timedelta(hours=24)
PARTIAL_UPLOAD_KEEP_S = 7 * 24 * 3600  # a partial upload untouched this long is swept away
CONTENT_RANGE = re.compile(r"^bytes (\d{1,12})-(\d{1,12})/(\d{1,12})$")
READ_BLOCK = 1024 * 1024


@dataclass(frozen=True)
class ContentRange:
    start: int
    end: int  # inclusive, as HTTP writes it
    total: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1


@dataclass(frozen=True)
class Uploader:
    device_id: UUID
    user_id: UUID


def store_for(runtime: Runtime) -> BlobStore:
    store = runtime.blob_store
    if store is None:
        store = LocalBlobStore(runtime.settings.blob_root)
        runtime.blob_store = store
    return store


def check_name(sha256: str) -> str:
    if not SHA256.match(sha256):
        raise ProblemError(
            400, "invalid_request", "A blob is named by its SHA-256: 64 lowercase hex digits."
        )
    return sha256


def parse_range(header: str | None) -> ContentRange | None:
    if header is None:
        return None
    found = CONTENT_RANGE.match(header.strip())
    if found is None:
        raise ProblemError(
            400, "invalid_request", "Content-Range must read `bytes START-END/TOTAL`."
        )
    start, end, total = (int(part) for part in found.groups())
    if total > MAX_BLOB_BYTES:
        raise ProblemError(413, "payload_too_large", "A blob may be at most 10 MiB.")
    if not start <= end < total:
        raise ProblemError(
            400, "invalid_request", "Content-Range needs START ≤ END < TOTAL (END inclusive)."
        )
    return ContentRange(start, end, total)


async def is_complete(runtime: Runtime, sha256: str) -> Blob | None:
    async with (runtime.read_sessions or runtime.sessions)() as session:
        return await session.get(Blob, sha256)


async def owned(runtime: Runtime, sha256: str, user_id: UUID) -> Blob | None:
    """The complete blob, when this account sent its bytes; None otherwise."""
    async with (runtime.read_sessions or runtime.sessions)() as session:
        return await session.scalar(
            select(Blob)
            .join(BlobOwner, BlobOwner.sha256 == Blob.sha256)
            .where(Blob.sha256 == sha256, BlobOwner.user_id == user_id)
        )


async def standing(runtime: Runtime, who: "Uploader", sha256: str) -> tuple[bool, int | None]:
    """For HEAD: whether the blob is complete for this account, and the bytes received (of
    the blob, or of the account's own resumable upload; None when nothing has arrived)."""
    blob = await owned(runtime, sha256, who.user_id)
    if blob is not None:
        return True, blob.size
    partial = store_for(runtime).received(str(who.user_id), sha256)
    return False, (partial[0] if partial else None)


async def _own(session, sha256: str, user_id: UUID) -> None:
    if await session.get(BlobOwner, (sha256, user_id)) is None:
        session.add(BlobOwner(sha256=sha256, user_id=user_id))


async def _record_owner(runtime: Runtime, sha256: str, user_id: UUID) -> None:
    async with runtime.write_gate or nullcontext():
        try:
            async with runtime.sessions() as session, session.begin():
                await _own(session, sha256, user_id)
        except IntegrityError:
            pass  # the same account's other device recorded it at the same moment


async def _used_today(runtime: Runtime, user_id: UUID) -> int:
    since = utcnow() - QUOTA_WINDOW
    async with (runtime.read_sessions or runtime.sessions)() as session:
        used = await session.scalar(
            select(func.coalesce(func.sum(Blob.size), 0)).where(
                Blob.user_id == user_id, Blob.created_at > since
            )
        )
    return int(used or 0)


async def check_quota(
    runtime: Runtime, store: BlobStore, who: Uploader, incoming: int, new_partial: bool
) -> None:
    """429 `quota_exceeded` when this upload would take the account past its daily bytes or
    its number of open partial uploads (all its devices together)."""
    settings = runtime.settings
    open_count, partial = store.partial_bytes(str(who.user_id))
    if new_partial and open_count >= settings.blob_partials_per_account:
        raise ProblemError(
            429,
            "quota_exceeded",
            f"This account has {open_count} unfinished uploads; finish them first.",
            retry_after=3600,
        )
    used = partial + await _used_today(runtime, who.user_id)
    if used + incoming > settings.blob_account_daily_bytes:
        raise ProblemError(
            429,
            "quota_exceeded",
            "This account has uploaded as much as it may in 24 hours. Try again later.",
            retry_after=3600,
            limit_bytes=settings.blob_account_daily_bytes,
            used_bytes=used,
        )


async def _copy(chunks: AsyncIterator[bytes], file: BinaryIO, limit: int, too_much) -> int:
    written = 0
    try:
        async for chunk in chunks:
            written += len(chunk)
            if written > limit:
                raise too_much
            file.write(chunk)
    except ProblemError:
        raise
    except Exception as exc:  # the client went away mid-upload, or the body is unreadable
        if getattr(exc, "status_code", None) == 413:
            raise ProblemError(413, "payload_too_large", "A blob may be at most 10 MiB.") from exc
        raise ProblemError(
            400, "upload_incomplete", "The upload was cut off; send it (or the chunk) again."
        ) from exc
    return written


def _digest(file: BinaryIO) -> str:
    file.seek(0)
    digest = hashlib.sha256()
    while block := file.read(READ_BLOCK):
        digest.update(block)
    return digest.hexdigest()


def _finish_checks(store: BlobStore, owner: str, slot: str, sha256: str, media_type: str) -> int:
    """Hash, type and EXIF of the complete upload; its size. The caller drops it on refusal."""
    with store.open_partial(owner, slot) as file:
        if _digest(file) != sha256:
            raise ProblemError(
                422, "hash_mismatch", "The bytes do not hash to the SHA-256 in the path."
            )
        media.check(file, media_type)
        return file.seek(0, 2)


async def _complete(
    runtime: Runtime, store: BlobStore, who: Uploader, slot: str, sha256: str, media_type: str
) -> int:
    owner = str(who.user_id)
    try:
        size = await anyio.to_thread.run_sync(
            _finish_checks, store, owner, slot, sha256, media_type
        )
    except BaseException:
        store.drop(owner, slot)
        raise
    store.promote(owner, slot, sha256)
    async with runtime.write_gate or nullcontext():
        try:
            async with runtime.sessions() as session, session.begin():
                if await session.get(Blob, sha256) is None:
                    session.add(
                        Blob(
                            sha256=sha256,
                            media_type=media_type,
                            size=size,
                            device_id=who.device_id,
                            user_id=who.user_id,
                        )
                    )
                await _own(session, sha256, who.user_id)
        except IntegrityError:
            # Another device completed the same blob at the same moment.
            await _record_owner(runtime, sha256, who.user_id)
    return size


async def put_whole(
    runtime: Runtime, who: Uploader, sha256: str, media_type: str, chunks, announced: int | None
) -> tuple[int, dict]:
    """A blob in one request: 201 stored, or 200 when it was already (the bytes still checked
    against the name, so a wrong upload is never answered as a success)."""
    store = store_for(runtime)
    too_big = ProblemError(413, "payload_too_large", "A blob may be at most 10 MiB.")
    if announced is not None and announced > MAX_BLOB_BYTES:
        raise too_big
    existing = await is_complete(runtime, sha256)
    if existing is None:
        await check_quota(runtime, store, who, announced or 0, new_partial=False)
    owner, slot = str(who.user_id), whole_slot(sha256)
    with store.appending(owner, slot) as file:
        size = await _copy(chunks, file, MAX_BLOB_BYTES, too_big)
    if size == 0:
        store.drop(owner, slot)
        raise ProblemError(400, "invalid_request", "The upload is empty.")
    if existing is not None:
        try:
            with store.open_partial(owner, slot) as file:
                same = await anyio.to_thread.run_sync(_digest, file) == sha256
        finally:
            store.drop(owner, slot)
        if not same:
            raise ProblemError(
                422, "hash_mismatch", "The bytes do not hash to the SHA-256 in the path."
            )
        await _record_owner(runtime, sha256, who.user_id)  # it sent the bytes: now it holds them
        return 200, described(existing.sha256, existing.media_type, existing.size)
    size = await _complete(runtime, store, who, slot, sha256, media_type)
    return 201, described(sha256, media_type, size)


async def put_chunk(
    runtime: Runtime, who: Uploader, sha256: str, media_type: str, part: ContentRange, chunks
) -> tuple[int, dict]:
    """One chunk of a resumable upload: 202 with the bytes received so far, 201 once the last
    chunk completes it, 200 when the blob is already complete; 409 `range_mismatch` (with
    `received`) for a chunk that does not start where the upload stands."""
    store = store_for(runtime)
    owner, slot = str(who.user_id), resumable_slot(sha256, part.total)
    standing = store.received(owner, sha256)
    # Complete for this account: nothing more to send. Complete but never sent by this
    # account: its bytes are taken like any upload's and checked against the name at the end.
    existing = await owned(runtime, sha256, who.user_id)
    if existing is not None:
        if standing is not None:  # its other device completed it first: this one is not needed
            store.drop(owner, resumable_slot(sha256, standing[1]))
        return 200, described(existing.sha256, existing.media_type, existing.size)
    if standing is not None and standing[1] != part.total:
        if part.start != 0:
            raise _mismatch(0, "The upload was begun with another TOTAL; start again at 0.")
        store.drop(owner, resumable_slot(sha256, standing[1]))
        standing = None
    received = standing[0] if standing else 0
    if received >= part.total:
        # Every byte arrived before, but the upload was never finished (the server stopped
        # between the last chunk and the checks): finish it now.
        size = await _complete(runtime, store, who, slot, sha256, media_type)
        return 201, described(sha256, media_type, size)
    if part.start != received:
        raise _mismatch(received, f"The upload stands at byte {received}; send from there.")
    await check_quota(runtime, store, who, part.length, new_partial=standing is None)
    wrong_length = ProblemError(
        400, "invalid_request", "The chunk is longer than its Content-Range says."
    )
    try:
        with store.appending(owner, slot) as file:
            received = file.tell()  # under the lock: what a request just before us left
            if part.start != received:
                raise _mismatch(received, f"The upload stands at byte {received}.")
            got = await _copy(chunks, file, part.length, wrong_length)
            if got != part.length:
                raise ProblemError(
                    400, "upload_incomplete", "The chunk is shorter than its Content-Range says."
                )
    except UploadBusy:
        raise ProblemError(
            409,
            "upload_busy",
            "Another request is sending this upload right now; ask HEAD where it stands.",
        ) from None
    received += got
    if received < part.total:
        return 202, {"received": received}
    size = await _complete(runtime, store, who, slot, sha256, media_type)
    return 201, described(sha256, media_type, size)


def _mismatch(received: int, detail: str) -> ProblemError:
    return ProblemError(409, "range_mismatch", detail, received=received)


def described(sha256: str, media_type: str, size: int) -> dict:
    return {"sha256": sha256, "media_type": media_type, "size": size, "received": size}
