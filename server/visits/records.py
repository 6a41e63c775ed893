"""The records made at the door (check-ins, services delivered, assistance given), and what
was recorded on a visit, for the pages that show a visit with its proof (the console's visit
page).

Each kind of field record is a `FieldRecordKind`: what it has of its own. The steps all kinds
share (the same id again, the resident, the permission, save, proof, audit) are
`server.fieldrecords.service.save`. Reads take the visit's scope: who sees the visit sees
what was recorded on it.
"""

from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.tables import User
from server.catalogue.tables import ServiceCategory
from server.clock import utcnow
from server.errors import Refusal
from server.feed.lookup import find
from server.fieldrecords.service import FieldRecordKind
from server.funds import service as funds
from server.org.service import all_units
from server.records import Reader
from server.residents.service import get_visible
from server.residents.tables import Resident
from server.visits import tables as synced
from server.visits.service import get_visible_visit
from server.visits.tables import Assistance, Checkin, ServiceRecord, Visit
from shared import mutations as m
from shared.permissions import (
    Actor,
    may_log_assistance,
    may_record_checkin,
    may_record_service,
)


async def _visit_on_record(
    session: AsyncSession, actor: Actor, args: Any, resident: Resident
) -> None:
    """A visit the record names is this resident's, and the actor's to make."""
    if args.visit_id is None:
        return
    visit = await find(session, Visit, args.visit_id)
    if visit is None or visit.resident_id != resident.id:
        raise Refusal("not_found", "The visit named does not belong to this resident.", 404)
    if visit.assignee_id != actor.user_id:
        raise Refusal("not_assignee", "The visit named is not assigned to you.")


async def _known_category(
    session: AsyncSession, _actor: Actor, args: m.ServiceRecord, _resident: Resident
) -> None:
    if args.category_code not in await category_codes(session):
        raise Refusal("unknown_category", f"No service category {args.category_code!r}.", 400)


async def _charge_fund(
    session: AsyncSession, actor: Actor, args: m.AssistanceLog, resident: Resident
) -> None:
    # Last, after every other rule: a charge refused for being over budget writes nothing.
    await funds.charge_assistance(
        session, actor, resident.community_id, args.id, args.amount_cny, args.at, args.kind
    )


CHECKIN = FieldRecordKind(
    table=Checkin,
    action="checkin.record",
    author="worker_id",
    may=lambda actor, path, resident: may_record_checkin(actor, path, resident.mentor_id),
    refusal="You may not record check-ins for this resident.",
    columns=lambda args, actor: {
        "visit_id": args.visit_id,
        "device_id": actor.device_id,
        "seen_in_person": args.seen_in_person,
        "wellbeing": args.wellbeing,
        "notes": args.notes,
        "needs": args.needs or "",
        "home_safety": args.home_safety or {},
    },
    detail=lambda args: {"resident_id": args.resident_id, "wellbeing": args.wellbeing},
    rules=(_visit_on_record,),
    lean=True,
)

SERVICE = FieldRecordKind(
    table=ServiceRecord,
    action="service.record",
    author="worker_id",
    may=lambda actor, path, _resident: may_record_service(actor, path),
    refusal="Only a worker of this community may record its services.",
    columns=lambda args, _actor: {
        "visit_id": args.visit_id,
        "category_code": args.category_code,
        "minutes": args.minutes,
        "description": args.description,
    },
    detail=lambda args: {"category": args.category_code, "minutes": args.minutes},
    rules=(_known_category, _visit_on_record),
)

ASSISTANCE = FieldRecordKind(
    table=Assistance,
    action="assistance.log",
    author="mentor_id",
    may=lambda actor, _path, resident: may_log_assistance(actor, resident.mentor_id),
    refusal="Only the family's own mentor may log assistance for it.",
    columns=lambda args, _actor: {
        "kind": args.kind,
        "amount_cny": args.amount_cny,
        "description": args.description,
    },
    detail=lambda args: {"amount_cny": args.amount_cny},
    rules=(_charge_fund,),
)


async def category_codes(session: AsyncSession) -> set[str]:
    """The catalogue's codes, read once per transaction."""
    codes = session.info.get("category_codes")
    if codes is None:
        codes = set((await session.scalars(select(ServiceCategory.code))).all())
        session.info["category_codes"] = codes
    return codes


async def visit_with_records(
    session: AsyncSession, actor: Actor, visit_id: UUID
) -> tuple[Visit, Resident, User | None, list[Checkin], list[ServiceRecord]]:
    """The visit (not_found outside the actor's scope), its resident, its assignee, and the
    check-ins and services recorded on it, oldest first."""
    visit = await get_visible_visit(session, actor, visit_id)
    resident = await get_visible(session, actor, visit.resident_id)
    assignee = await session.get(User, visit.assignee_id) if visit.assignee_id else None
    checkins = await session.scalars(
        select(Checkin).where(Checkin.visit_id == visit.id).order_by(Checkin.at)
    )
    services = await session.scalars(
        select(ServiceRecord).where(ServiceRecord.visit_id == visit.id).order_by(ServiceRecord.at)
    )
    readers = Reader.of(actor, await all_units(session), utcnow())
    return (
        visit,
        resident,
        assignee,
        [row for row in checkins.all() if readers.reads(synced.CHECKIN, row)],
        [row for row in services.all() if readers.reads(synced.SERVICE_RECORD, row)],
    )


async def visits_for_request(session: AsyncSession, actor: Actor, request_id: UUID) -> list[Visit]:
    """The visits made for a hotline request that the actor sees, newest first."""
    rows = await session.scalars(
        select(Visit).where(Visit.request_id == request_id).order_by(Visit.created_at.desc())
    )
    readers = Reader.of(actor, await all_units(session), utcnow())
    return [visit for visit in rows.all() if readers.reads(synced.VISIT, visit)]
