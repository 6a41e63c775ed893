"""Residents: create, find, read, and the field-by-field merge of edits."""

from typing import Any
from uuid import UUID

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit import service as audit
from server.auth.tables import Device, MutationLog
from server.clock import utcnow
from server.conflicts.tables import ConflictEntry
from server.errors import Refusal
from server.feed.lookup import find
from server.org.service import all_units, subtree, unit_path
from server.records import Reader
from server.residents.tables import RESIDENT, Household, Resident
from shared.enums import OrgLevel
from shared.merge import FieldConflict, merge_fields
from shared.permissions import Actor, may_create_in, may_update_resident, sees_resident


async def reader(session: AsyncSession, actor: Actor) -> Reader:
    """The actor reading synced records (`server.records.Reader`): its phone's scope."""
    return Reader.of(actor, await all_units(session), utcnow())


async def get_visible(session: AsyncSession, actor: Actor, resident_id: UUID) -> Resident:
    """The resident, if the actor reads them (what its phone holds, or the wider read
    `shared.permissions.READS_BEYOND_PHONE` grants); not_found otherwise (never tells which)."""
    resident = await find(session, Resident, resident_id)
    if resident is None or not (await reader(session, actor)).reads(RESIDENT, resident):
        raise Refusal("not_found", "No such resident in your area.", 404)
    return resident


def _read_clause(readers: Reader, units: list):
    """The residents `reads` could allow, as SQL: those filed under the caller's subscribed
    community and mentored keys (its phone's), or of its subtree for a wider read."""
    if readers.beyond_phone(RESIDENT):
        return Resident.community_id.in_([u.id for u in units])
    return or_(
        Resident.community_id.in_(readers.filed_under("community")),
        Resident.mentor_id.in_(readers.filed_under("mentored")),
    )


async def search(
    session: AsyncSession,
    actor: Actor,
    text: str | None,
    community_code: str | None,
    limit: int,
    offset: int,
) -> list[Resident]:
    """The residents the actor reads, by name: narrowed in SQL to what the read rule could
    allow, then decided row by row by it (`Reader.reads`)."""
    readers = await reader(session, actor)
    units = await subtree(session, actor.unit_path)
    query = select(Resident).where(_read_clause(readers, units))
    if community_code:
        named = [u.id for u in (await all_units(session)).values() if u.code == community_code]
        query = query.where(Resident.community_id.in_(named))
    if text:
        like = f"%{text}%"
        query = query.where(
            or_(Resident.name.like(like), Resident.address.like(like), Resident.phone.like(like))
        )
    rows = await session.scalars(
        query.order_by(Resident.name, Resident.id).limit(limit).offset(offset)
    )
    return [row for row in rows.all() if readers.reads(RESIDENT, row)]


async def create(session: AsyncSession, actor: Actor, values: dict[str, Any]) -> Resident:
    units = await all_units(session)
    code = values.pop("community_code")
    community = next((u for u in units.values() if u.code == code), None)
    if community is None or community.level != OrgLevel.COMMUNITY:
        raise Refusal("not_found", "No such community.", 404)
    if not may_create_in(actor, community.path):
        raise Refusal(
            "out_of_scope", "You may only add residents in your own part of the district."
        )
    household_id = values.pop("household_id", None)
    mentor_id = None
    if household_id is not None:
        household = await session.get(Household, household_id)
        if household is None or household.community_id != community.id:
            raise Refusal("not_found", "No such household in that community.", 404)
        mentor_id = household.mentor_id
    resident = Resident(
        **values, community_id=community.id, household_id=household_id, mentor_id=mentor_id
    )
    session.add(resident)
    audit.record(
        session, actor, "resident.create", "resident", resident.id, community.id, name=resident.name
    )
    return resident


async def update_fields(
    session: AsyncSession,
    actor: Actor,
    resident_id: UUID,
    fields: dict[str, Any],
    stamp: str,
    base: dict[str, Any] | None = None,
) -> list[FieldConflict]:
    """Merge an edit made at `stamp`; returns the fields where the caller's value did not stand."""
    resident = await find(session, Resident, resident_id)
    path = await unit_path(session, resident.community_id) if resident else ""
    # One answer for a resident that does not exist and one the sender may not see.
    if resident is None or not sees_resident(actor, path, resident.mentor_id):
        raise Refusal("not_found", "No such resident in your area.", 404)
    if not may_update_resident(actor, path, resident.mentor_id):
        raise Refusal("out_of_scope", "This resident is outside your area; the edit was not saved.")
    current = {name: getattr(resident, name) for name in fields}
    clocks = dict(resident.field_clocks)
    result = merge_fields(current, clocks, fields, stamp, base)
    if result.values:
        for name, value in result.values.items():
            setattr(resident, name, value)
        resident.field_clocks = {**resident.field_clocks, **result.clocks}
        resident.rev += 1
        resident.updated_at = utcnow()
    for conflict in result.conflicts:
        lost_incoming = conflict.loser == "incoming"
        # The other side is whoever wrote the value that stood here until now.
        other_hlc = dict(clocks).get(conflict.field, "")
        other_user, other_device = await _writer_of(session, other_hlc)
        session.add(
            ConflictEntry(
                entity="resident",
                record_id=resident.id,
                community_id=resident.community_id,
                field=conflict.field,
                lost_value=conflict.lost_value,
                kept_value=conflict.kept_value,
                loser_id=actor.user_id if lost_incoming else other_user,
                loser_device_id=actor.device_id if lost_incoming else other_device,
                winner_id=other_user if lost_incoming else actor.user_id,
                lost_hlc=stamp if lost_incoming else other_hlc,
                kept_hlc=other_hlc if lost_incoming else stamp,
            )
        )
    audit.record(
        session,
        actor,
        "resident.update",
        "resident",
        resident.id,
        resident.community_id,
        fields=fields,
        applied=sorted(result.values),
        hlc=stamp,
    )
    return [c for c in result.conflicts if c.loser == "incoming"]


async def _writer_of(session: AsyncSession, stamp: str) -> tuple[UUID | None, UUID | None]:
    """The person and device whose pushed edit was credited with `stamp` (None, None for an
    edit made otherwise, e.g. through the API, or before any edit)."""
    if not stamp:
        return None, None
    row = (
        await session.execute(
            select(Device.user_id, Device.id)
            .join(MutationLog, MutationLog.device_id == Device.id)
            .where(MutationLog.stamp == stamp, MutationLog.name == "resident.update")
            .limit(1)
        )
    ).first()
    return (row[0], row[1]) if row else (None, None)
