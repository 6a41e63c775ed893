"""Proof on the records that carry it: the blobs a push names must be complete, and the
sender's, before any of it applies; the device's signature over the arguments decides `signed`;
and each record notes the blobs it names (a download is allowed to whoever sees such a
record)."""

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidSignature
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.blobs.store import SHA256
from server.blobs.tables import BlobOwner, BlobRef
from server.errors import ProblemError, Refusal
from shared import proof as signing
from shared.mutations import REGISTRY, Proof, wire

# The mutations that take a proof: those whose arguments have one (check-in, service record,
# visit completion), so a new field record with proof needs no word here.
PROOF_MUTATIONS = frozenset(
    name for name, spec in REGISTRY.items() if "proof" in spec.args.__struct_fields__
)
_SIGNED = "proof_signed"


def named_blobs(mutations) -> set[str]:
    """The blob hashes the proof of a batch's mutations names (well-formed ones only: a
    malformed proof is the mutation's own `invalid_args`)."""
    named: set[str] = set()
    for mutation in mutations:
        if mutation.name not in PROOF_MUTATIONS or not isinstance(mutation.args, dict):
            continue
        proof = mutation.args.get("proof")
        if not isinstance(proof, dict):
            continue
        photos = proof.get("photos")
        candidates = [*(photos if isinstance(photos, list) else []), proof.get("signature")]
        named.update(c for c in candidates if isinstance(c, str) and SHA256.match(c))
    return named


async def refuse_missing_blobs(
    session: AsyncSession,
    mutations,
    user_id: UUID,
    readable: Callable[[str], Awaitable[bool]] | None = None,
) -> None:
    """409 `blobs_missing` (member `missing`) when the batch names a blob that the sender's
    account has not uploaded complete, unless a record the sender can already read names it
    (`readable`). A hash someone else uploaded is answered exactly like an unknown one: the
    phone that really has the photo uploads it (which makes it its own) and pushes again."""
    named = sorted(named_blobs(mutations))
    if not named:
        return
    held: set[str] = set()
    for start in range(0, len(named), 500):
        chunk = named[start : start + 500]
        held.update(
            await session.scalars(
                select(BlobOwner.sha256).where(
                    BlobOwner.sha256.in_(chunk), BlobOwner.user_id == user_id
                )
            )
        )
    missing = [sha for sha in named if sha not in held]
    if readable is not None:
        missing = [sha for sha in missing if not await readable(sha)]
    if missing:
        raise ProblemError(
            409,
            "blobs_missing",
            "Upload these photos and signatures first, then push again.",
            missing=missing,
        )


def check_signature(
    session: AsyncSession, public_key: str | None, name: str, raw_args: Any
) -> None:
    """Decides whether this mutation's proof is signed; a signature that does not verify
    against the device's registered key is refused (`bad_signature`)."""
    session.info[_SIGNED] = False
    if name not in PROOF_MUTATIONS or not isinstance(raw_args, dict):
        return
    proof = raw_args.get("proof")
    signature = proof.get("device_signature") if isinstance(proof, dict) else None
    if signature is None or public_key is None:
        return  # unsigned, or no key to check it with: recorded, with signed false
    if not signing.verifies(public_key, raw_args, signature):
        raise Refusal(
            "bad_signature",
            "The device signature does not match this record: it was changed after signing, "
            "or signed with another key.",
            422,
        )
    session.info[_SIGNED] = (signing.canonical_bytes(raw_args).decode(), public_key)


def proof_columns(session: AsyncSession, proof: Proof | None) -> dict[str, Any]:
    """What a record keeps of its proof: the proof itself and whether it verified."""
    signed = session.info.get(_SIGNED) if proof is not None else None
    payload, key = signed or (None, None)
    return {
        "proof": wire(proof) if proof is not None else None,
        "signed": bool(signed),
        "signed_payload": payload,
        "signing_key": key,
    }


def verifies_again(row: Any) -> bool:
    """Whether a stored record's device signature still verifies: over the exact text it
    was signed as, against the key it was signed with (not the device's key of today)."""
    proof = row.proof or {}
    signature = proof.get("device_signature")
    if not (row.signed and row.signed_payload and row.signing_key and signature):
        return False
    try:
        key = signing.parse_public_key(row.signing_key)
        key.verify(signing.from_b64url(signature), row.signed_payload.encode())
    except (ValueError, InvalidSignature, TypeError):
        return False
    return True


def reference(session: AsyncSession, entity: str, record_id: UUID, proof: Proof | None) -> None:
    """Notes that the record names each of the proof's blobs."""
    if proof is None:
        return
    for sha256 in proof.blobs():
        session.add(BlobRef(sha256=sha256, entity=entity, record_id=record_id))
