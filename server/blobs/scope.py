"""Whether a blob is the caller's to see: a record in the caller's scope names it.

The record's declaration decides, looked up by entity (`server.records`), through the reader
every read asks (`Reader.reads`: what the caller's phone holds, or the wider read its role is
granted), without importing the sync engine.
"""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.blobs.tables import BlobRef
from server.clock import utcnow
from server.org.service import all_units
from server.records import Reader, declared
from shared.permissions import Actor


async def named_in_scope(session: AsyncSession, actor: Actor, sha256: str) -> bool:
    """Whether a record in the actor's scope names this blob."""
    refs = (
        await session.execute(
            select(BlobRef.entity, BlobRef.record_id).where(BlobRef.sha256 == sha256)
        )
    ).all()
    if not refs:
        return False
    readers = Reader.of(actor, await all_units(session), utcnow())
    for entity, record_id in refs:
        record = declared(entity)
        if record is None:
            continue  # a record nothing declares is nobody's (deny by default)
        row = await session.get(record.table, record_id)
        if row is not None and readers.reads(record, row):
            return True
    return False
