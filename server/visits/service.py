"""Visits through their state machine: planned, assigned, started, completed, decided,
cancelled. (What is recorded at the door is `server/visits/records.py`.)

Every function takes the acting person and checks role, scope and state itself, so the
HTTP API and the sync push share one set of rules.
"""

from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit import service as audit
from server.auth.tables import User
from server.blobs.proof import proof_columns, reference
from server.clock import utcnow
from server.errors import Refusal
from server.feed.lookup import find
from server.org.service import all_units, subtree, unit_path
from server.records import Reader
from server.residents.tables import Resident
from server.visits.events import Move, VisitMoved, visit_moved
from server.visits.tables import VISIT, Visit
from shared import mutations as m
from shared import visits as machine
from shared.enums import VisitKind, VisitStatus
from shared.permissions import (
    CLOSED_VISIT_RETENTION,
    Actor,
    may_be_assigned,
    may_create_in,
    may_decide_visit,
    may_dispatch_visit,
    may_work_visit,
    reads_subtree,
    within_reach,
)


async def _visit(session: AsyncSession, actor: Actor, visit_id: UUID) -> tuple[Visit, str]:
    """The visit to act on, and its community's path. Outside the actor's part of the tree it
    does not exist, as far as the answer tells: the same not_found as for no visit at all."""
    visit = await find(session, Visit, visit_id)
    path = await unit_path(session, visit.community_id) if visit else ""
    if visit is None or not within_reach(actor, path):
        raise Refusal("not_found", "No such visit in your area.", 404)
    return visit, path


def _move(visit: Visit, action: str, seen: str | None = None) -> None:
    """Move the visit by the machine; `seen` is the status the sender saw it in, if it said:
    a move the machine allows from a status the sender had not seen is refused as stale."""
    try:
        after = machine.transition(visit.status, action)
    except machine.TransitionRefused as refused:
        raise Refusal(refused.code, refused.message, 409) from None
    if seen is not None and seen != str(visit.status):
        raise Refusal(
            "stale_state",
            f"The visit moved from {seen} to {visit.status} since this phone saw it; "
            "nothing was changed.",
            409,
        )
    visit.status = after
    visit.rev += 1
    visit.updated_at = utcnow()


async def _moved(
    session: AsyncSession, actor: Actor, visit: Visit, move: Move, at: datetime
) -> None:
    """Tell the listeners (the hotline, for a request's visit) that the visit moved."""
    await visit_moved(session, VisitMoved(visit=visit, move=move, actor=actor, at=at))


async def get_visible_visit(session: AsyncSession, actor: Actor, visit_id: UUID) -> Visit:
    """The visit, if the actor reads it (`server.records.Reader.reads`: what its phone holds,
    or the wider read its role is granted); not_found otherwise."""
    visit = await find(session, Visit, visit_id)
    readers = Reader.of(actor, await all_units(session), utcnow())
    if visit is None or not readers.reads(VISIT, visit):
        raise Refusal("not_found", "No such visit in your area.", 404)
    return visit


def _read_clause(readers: Reader, units: list, now: datetime):
    """The visits `reads` could allow, as SQL: those filed under the caller's subscribed work
    keys (its units') or assigned to it, less what `sees_visit` keeps from field staff
    (cancelled ones, and those approved more than CLOSED_VISIT_RETENTION ago); of its subtree
    for a wider read."""
    if readers.beyond_phone(VISIT):
        return Visit.community_id.in_([u.id for u in units])
    if reads_subtree(readers.actor):
        return or_(
            Visit.community_id.in_(readers.filed_under("work")),
            Visit.assignee_id.in_(readers.filed_under("assigned")),
        )
    kept = or_(
        Visit.status != VisitStatus.APPROVED,
        Visit.closed_at.is_(None),
        Visit.closed_at >= now - CLOSED_VISIT_RETENTION,
    )
    return and_(
        Visit.assignee_id.in_(readers.filed_under("assigned")),
        Visit.status != VisitStatus.CANCELLED,
        kept,
    )


async def list_visible(
    session: AsyncSession,
    actor: Actor,
    status: str | None,
    assignee_id: UUID | None,
    limit: int,
    offset: int,
) -> list[Visit]:
    """The visits the actor reads: narrowed in SQL to what the read rule could allow, then
    decided row by row by it (`Reader.reads`)."""
    now = utcnow()
    readers = Reader.of(actor, await all_units(session), now)
    units = await subtree(session, actor.unit_path)
    query = select(Visit).where(_read_clause(readers, units, now))
    if assignee_id:
        query = query.where(Visit.assignee_id == assignee_id)
    if status:
        query = query.where(Visit.status == status)
    rows = await session.scalars(query.order_by(Visit.due_at, Visit.id).limit(limit).offset(offset))
    return [row for row in rows.all() if readers.reads(VISIT, row)]


async def check_assignee(session: AsyncSession, community_path: str, assignee_id: UUID) -> User:
    """The person, if `may_be_assigned` lets them take work in the community; refused
    otherwise. Every path that gives work to a person goes through here."""
    assignee = await find(session, User, assignee_id)
    if assignee is None or not assignee.active:
        raise Refusal("not_found", "No such worker.", 404)
    units = await all_units(session)
    if not may_be_assigned(assignee.role, units[assignee.org_unit_id].path, community_path):
        raise Refusal(
            "out_of_scope", "Only a worker or mentor of the resident's community takes this work."
        )
    return assignee


async def create(
    session: AsyncSession,
    actor: Actor,
    resident_id: UUID,
    assignee_id: UUID | None,
    kind: VisitKind,
    due_at: datetime,
    title: str,
    request_id: UUID | None = None,
) -> Visit:
    resident = await find(session, Resident, resident_id)
    if resident is None:
        raise Refusal("not_found", "No such resident.", 404)
    path = await unit_path(session, resident.community_id)
    if not may_create_in(actor, path):
        raise Refusal("out_of_scope", "You may only plan visits in your own part of the district.")
    if assignee_id is not None:
        await check_assignee(session, path, assignee_id)
    visit = Visit(
        resident_id=resident.id,
        community_id=resident.community_id,
        assignee_id=assignee_id,
        kind=kind,
        status=VisitStatus.ASSIGNED,
        due_at=due_at,
        title=title,
        request_id=request_id,
        created_by=actor.user_id,
    )
    session.add(visit)
    audit.record(
        session,
        actor,
        "visit.create",
        "visit",
        visit.id,
        visit.community_id,
        assignee_id=assignee_id,
        kind=kind,
    )
    return visit


async def start(session: AsyncSession, actor: Actor, args: m.VisitStart) -> Visit:
    visit, _ = await _visit(session, actor, args.visit_id)
    if not may_work_visit(actor, visit.assignee_id):
        raise Refusal("not_assignee", "This visit is no longer assigned to you.")
    _move(visit, "start", args.base_status)
    visit.started_at = args.at
    audit.record(session, actor, "visit.start", "visit", visit.id, visit.community_id)
    await _moved(session, actor, visit, "start", args.at)
    return visit


async def complete(session: AsyncSession, actor: Actor, args: m.VisitComplete) -> Visit:
    visit, _ = await _visit(session, actor, args.visit_id)
    if not may_work_visit(actor, visit.assignee_id):
        raise Refusal("not_assignee", "This visit was reassigned; your completion was not saved.")
    if not args.summary.strip():
        raise Refusal("summary_required", "Say what was done before completing the visit.", 422)
    _move(visit, "complete", args.base_status)
    visit.completed_at, visit.summary = args.at, args.summary
    for column, value in proof_columns(session, args.proof).items():
        setattr(visit, column, value)
    reference(session, "visit", visit.id, args.proof)
    audit.record(session, actor, "visit.complete", "visit", visit.id, visit.community_id)
    await _moved(session, actor, visit, "complete", args.at)
    return visit


async def decide(session: AsyncSession, actor: Actor, args: m.ApprovalDecide) -> Visit:
    visit, path = await _visit(session, actor, args.visit_id)
    if not may_decide_visit(actor, path):
        raise Refusal("out_of_scope", "Only a supervisor of this community may decide this visit.")
    if args.decision == "reject" and not (args.reason or "").strip():
        raise Refusal("reason_required", "Say why the visit is sent back.", 422)
    _move(visit, "approve" if args.decision == "approve" else "return", args.base_status)
    now = utcnow()
    visit.decided_at, visit.decided_by = now, actor.user_id
    if args.decision == "approve":
        visit.closed_at = now
    else:
        visit.return_reason = args.reason.strip()
    audit.record(
        session,
        actor,
        f"visit.{args.decision}",
        "visit",
        visit.id,
        visit.community_id,
        reason=args.reason,
    )
    await _moved(session, actor, visit, "approve" if args.decision == "approve" else "return", now)
    return visit


async def assign(session: AsyncSession, actor: Actor, args: m.VisitAssign) -> Visit:
    visit, path = await _visit(session, actor, args.visit_id)
    if not may_dispatch_visit(actor, path):
        raise Refusal(
            "out_of_scope", "You may only assign visits in your own part of the district."
        )
    await check_assignee(session, path, args.assignee_id)
    previous = visit.assignee_id
    _move(visit, "assign", args.base_status)
    visit.assignee_id = args.assignee_id
    visit.started_at = None
    audit.record(
        session,
        actor,
        "visit.assign",
        "visit",
        visit.id,
        visit.community_id,
        previous=previous,
        assignee_id=args.assignee_id,
    )
    return visit


async def cancel(
    session: AsyncSession, actor: Actor, args: m.VisitCancel, *, code: str = ""
) -> Visit:
    """Cancel an open visit for a person's reason, or (server code only) for the reason `code`
    names (shared/visits.py CANCEL_CODES), stored as the code and worded where it is read."""
    visit, path = await _visit(session, actor, args.visit_id)
    if not may_dispatch_visit(actor, path):
        raise Refusal(
            "out_of_scope", "You may only cancel visits in your own part of the district."
        )
    if not code and not args.reason.strip():
        raise Refusal("reason_required", "Say why the visit is cancelled.", 422)
    _move(visit, "cancel", args.base_status)
    visit.cancel_reason, visit.cancel_code = ("", code) if code else (args.reason.strip(), "")
    visit.closed_at = utcnow()
    why = {"reason_code": code} if code else {"reason": args.reason}
    audit.record(session, actor, "visit.cancel", "visit", visit.id, visit.community_id, **why)
    return visit


def default_due(kind: VisitKind) -> datetime:
    return utcnow() + (timedelta(days=7) if kind == VisitKind.CHECKIN else timedelta(days=3))


async def reschedule(session: AsyncSession, visit_id: UUID, due_at: datetime) -> Visit | None:
    """Move an open visit's due time (its request was given more time); a visit done or
    cancelled keeps its own."""
    visit = await session.get(Visit, visit_id)
    if visit is None or visit.status in (
        VisitStatus.COMPLETED,
        VisitStatus.APPROVED,
        VisitStatus.CANCELLED,
    ):
        return None
    visit.due_at = due_at
    visit.rev += 1
    visit.updated_at = utcnow()
    return visit
