"""HTTP: photos and signatures as blobs named by their SHA-256 (upload, resume, download).

A PUT streams its body to the blob store without holding the database (on SQLite the write
gate would keep every other writer waiting for a slow phone); it signs the caller in with a
read session and writes the `blob` row in a short transaction at the end. Downloads are for
callers whose scope holds a record naming the blob, and look the same as "no such blob" to
anyone else: the record's own scope rule decides (its declaration, `server.records`), so the
blobs need nothing of the sync engine.
"""

import logging
from typing import Annotated

from litestar import Request, Response, get, head, put
from litestar.params import PathParameter
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.service import Principal, authenticate
from server.blobs import media, uploads
from server.blobs.schemas import BlobStoredPublic
from server.blobs.scope import named_in_scope
from server.blobs.store import SHA256
from server.blobs.tables import Blob
from server.clock import utcnow
from server.deps import Caller, Runtime_, Session
from server.errors import ProblemError
from server.runtime import Runtime
from shared.permissions import Actor

RECEIVED = "Doorstep-Received"
log = logging.getLogger("doorstep.blobs")
Sha = Annotated[
    str,
    PathParameter(
        pattern=SHA256.pattern, description="the SHA-256 of the bytes, 64 lowercase hex digits"
    ),
]


async def readable(session: AsyncSession, actor: Actor, sha256: str) -> Blob | None:
    """The blob, if a record naming it is in the actor's scope; None otherwise."""
    blob = await session.get(Blob, sha256)
    if blob is None or not await named_in_scope(session, actor, sha256):
        return None
    return blob


async def _caller(request: Request, runtime: Runtime) -> Principal:
    async with (runtime.read_sessions or runtime.sessions)() as session:
        return await authenticate(session, runtime, request.headers.get("authorization"), utcnow())


@put(
    "/api/v1/blobs/{sha256:str}",
    tags=["blobs"],
    summary="Upload a photo or signature, whole or one chunk of a resumable upload",
    description="Body: the bytes, `Content-Type: image/jpeg` or `image/png`, at most 10 MiB. "
    "201 stored, 200 already stored. With `Content-Range: bytes START-END/TOTAL` one chunk "
    'is stored: 202 `{"received": n}` until the last chunk completes the blob (then 201). '
    "A chunk must start at the bytes received so far (`HEAD` says how many): otherwise 409 "
    "`range_mismatch` with `received` (409 `upload_busy` while another request writes the "
    "same upload). Once complete the bytes are checked: 422 "
    "`hash_mismatch`, 415 `unsupported_media_type`, 422 `exif_present`; a refused upload "
    "is deleted. 429 `quota_exceeded`: the account's uploads in 24 hours, or its open "
    "partial uploads, on all its devices together, are at their limit.",
    request_max_body_size=uploads.MAX_BLOB_BYTES,
    status_code=201,
)
async def put_blob(request: Request, runtime: Runtime_, sha256: Sha) -> Response[BlobStoredPublic]:
    principal = await _caller(request, runtime)
    uploads.check_name(sha256)
    media_type = media.media_type_of(request.headers.get("content-type"))
    part = uploads.parse_range(request.headers.get("content-range"))
    who = uploads.Uploader(principal.actor.device_id, principal.actor.user_id)
    if part is None:
        announced = request.headers.get("content-length")
        size = int(announced) if announced and announced.isdigit() else None
        status, body = await uploads.put_whole(
            runtime, who, sha256, media_type, request.stream(), size
        )
    else:
        status, body = await uploads.put_chunk(
            runtime, who, sha256, media_type, part, request.stream()
        )
    return Response(body, status_code=status, headers={RECEIVED: str(body["received"])})


@head(
    "/api/v1/blobs/{sha256:str}",
    tags=["blobs"],
    summary="Whether the server holds a blob, and how much of an upload has arrived",
    description="200 when the blob is complete and the caller's account sent its bytes; 404 "
    "otherwise, with `Doorstep-Received: n` when n bytes of the account's resumable upload "
    "have arrived.",
)
async def head_blob(request: Request, runtime: Runtime_, sha256: Sha) -> Response[None]:
    principal = await _caller(request, runtime)
    uploads.check_name(sha256)
    who = uploads.Uploader(principal.actor.device_id, principal.actor.user_id)
    complete, received = await uploads.standing(runtime, who, sha256)
    headers = {RECEIVED: str(received)} if received is not None else {}
    return Response(None, status_code=200 if complete else 404, headers=headers)


@get(
    "/api/v1/blobs/{sha256:str}",
    tags=["blobs"],
    summary="A photo or signature, to a caller whose scope holds a record naming it",
    description="The bytes with their media type. 404 `not_found` for a blob that is not "
    "there or that no record in the caller's scope names (the two are not told apart).",
    media_type="application/octet-stream",
)
async def get_blob(
    db_session: Session,
    runtime: Runtime_,
    principal: Caller,
    sha256: Sha,
) -> Response[bytes]:
    uploads.check_name(sha256)
    return await blob_response(db_session, runtime, principal.actor, sha256)


async def blob_response(
    session: AsyncSession, runtime: Runtime, actor: Actor, sha256: str
) -> Response[bytes]:
    """The blob's bytes for this actor, or 404 (the console serves photos through this too)."""
    blob = await readable(session, actor, sha256)
    if blob is None:
        raise ProblemError(404, "not_found", "No such photo in your area.")
    try:
        with uploads.store_for(runtime).open(sha256) as file:
            content = file.read()
    except FileNotFoundError:
        # The database names it but the files do not hold it (a restore without the blob
        # directory): as good as not there.
        log.warning("blob %s is recorded but missing from the blob store", sha256)
        raise ProblemError(404, "not_found", "No such photo in your area.") from None
    return Response(
        content,
        media_type=blob.media_type,
        headers={"Cache-Control": "private, no-store", "Content-Disposition": "inline"},
    )


ROUTES = [put_blob, head_blob, get_blob]
