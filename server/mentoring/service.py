"""Mentoring (一帮一): supervisors pair a mentor with a family and set the rhythm of visits;
the visit plans (`server/plans`) then put each visit on the mentor's phone. A family is a
household (all its residents get the mentor) or, for a resident with no household, the
resident alone. The rules are `shared.permissions`' `may_pair_mentor` and `may_mentor`."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit import service as audit
from server.auth.tables import User
from server.clock import utcnow
from server.errors import Refusal
from server.mentoring.schemas import (
    FamilyAssistancePublic,
    FamilyDetailPublic,
    FamilyPublic,
    FamilyVisitPublic,
    MentorPublic,
)
from server.org.service import all_units, subtree
from server.plans import service as plans
from server.plans.tables import VisitPlan
from server.residents import service as residents
from server.residents.tables import Household, Resident
from server.visits import service as visits
from server.visits.tables import Assistance, Visit
from shared import mutations as m
from shared.catalogue import DIFFICULTIES
from shared.enums import VisitKind, VisitStatus
from shared.permissions import Actor, may_manage_mentoring, may_mentor, may_pair_mentor

DONE = (VisitStatus.COMPLETED, VisitStatus.APPROVED)
ENDED = "mentoring_ended"  # why a waiting mentoring visit is cancelled: `visit.cancel_<code>`


async def _family_member(session: AsyncSession, actor: Actor, resident_id: UUID) -> Resident:
    """The resident, if the actor may pair mentors in their community; refused otherwise."""
    if not may_manage_mentoring(actor):
        raise Refusal("forbidden", "Mentoring is arranged by supervisors.", 403)
    resident = await residents.get_visible(session, actor, resident_id)
    units = await all_units(session)
    if not may_pair_mentor(actor, units[resident.community_id].path):
        raise Refusal("forbidden", "Mentoring is arranged by supervisors.", 403)
    return resident


async def _members(session: AsyncSession, resident: Resident) -> list[Resident]:
    if resident.household_id is None:
        return [resident]
    rows = await session.scalars(
        select(Resident).where(Resident.household_id == resident.household_id)
    )
    return list(rows.all())


async def pair(
    session: AsyncSession,
    actor: Actor,
    resident_id: UUID,
    mentor_id: UUID,
    interval_days: int,
    first_due: datetime,
) -> FamilyDetailPublic:
    """Make `mentor_id` the family's mentor and plan a mentoring visit every
    `interval_days` days from `first_due` (on the mentor's phone a day before each is due)."""
    resident = await _family_member(session, actor, resident_id)
    units = await all_units(session)
    mentor = await session.get(User, mentor_id)
    if (
        mentor is None
        or not mentor.active
        or not may_mentor(
            mentor.role, units[mentor.org_unit_id].path, units[resident.community_id].path
        )
    ):
        raise Refusal("not_a_mentor", "Only a mentor of the family's community mentors it.", 400)
    if resident.household_id is not None:
        household = await session.get(Household, resident.household_id)
        household.mentored, household.mentor_id = True, mentor.id
    for member in await _members(session, resident):
        if member.mentor_id != mentor.id:
            member.mentor_id = mentor.id
            member.rev += 1
    # Visits not started yet go to the new mentor (one under way stays with whoever started it).
    for visit in await _waiting_visits(session, resident):
        if visit.assignee_id != mentor.id:
            await visits.assign(
                session, actor, m.VisitAssign(visit_id=visit.id, assignee_id=mentor.id)
            )
    plan = await plans.set_plan(
        session, actor, resident.id, mentor.id, interval_days, first_due, VisitKind.MENTORING
    )
    await session.flush()
    if plan.next_due_at <= utcnow() + plans.LEAD:
        # The first visit is due (almost) now: it is on the mentor's phone at once, not after
        # the next background round.
        await plans.make_due_visit(session, plan, utcnow())
    audit.record(
        session,
        actor,
        "mentoring.pair",
        "resident",
        resident.id,
        resident.community_id,
        mentor_id=str(mentor.id),
        interval_days=interval_days,
    )
    await session.flush()
    return await family(session, actor, resident.id)


async def end(session: AsyncSession, actor: Actor, resident_id: UUID) -> FamilyDetailPublic:
    """End the pairing: the family has no mentor, and no more mentoring visits are planned."""
    resident = await _family_member(session, actor, resident_id)
    if resident.household_id is not None:
        household = await session.get(Household, resident.household_id)
        household.mentored, household.mentor_id = False, None
    for member in await _members(session, resident):
        if member.mentor_id is not None:
            member.mentor_id = None
            member.rev += 1
    plan = await _plan(session, resident.id)
    if plan is not None:
        plan.active = False
    for visit in await _waiting_visits(session, resident):
        await visits.cancel(session, actor, m.VisitCancel(visit_id=visit.id, reason=""), code=ENDED)
    audit.record(session, actor, "mentoring.end", "resident", resident.id, resident.community_id)
    await session.flush()
    return await family(session, actor, resident.id)


async def _waiting_visits(session: AsyncSession, resident: Resident) -> list[Visit]:
    """The family's mentoring visits not started yet."""
    members = [r.id for r in await _members(session, resident)]
    rows = await session.scalars(
        select(Visit).where(
            Visit.resident_id.in_(members),
            Visit.kind == VisitKind.MENTORING,
            Visit.status == VisitStatus.ASSIGNED,
        )
    )
    return list(rows.all())


async def _plan(session: AsyncSession, resident_id: UUID) -> VisitPlan | None:
    return await session.scalar(
        select(VisitPlan).where(
            VisitPlan.resident_id == resident_id, VisitPlan.kind == VisitKind.MENTORING
        )
    )


async def family(session: AsyncSession, actor: Actor, resident_id: UUID) -> FamilyDetailPublic:
    """The family with its mentor, rhythm, mentoring visits and assistance, and their totals."""
    resident = await _family_member(session, actor, resident_id)
    members = [m.id for m in await _members(session, resident)]
    visits = (
        await session.scalars(
            select(Visit)
            .where(Visit.resident_id.in_(members), Visit.kind == VisitKind.MENTORING)
            .order_by(Visit.due_at.desc())
        )
    ).all()
    helped = (
        await session.scalars(
            select(Assistance)
            .where(Assistance.resident_id.in_(members))
            .order_by(Assistance.at.desc())
        )
    ).all()
    summary = await _summary(session, resident, list(visits), list(helped))
    return FamilyDetailPublic(
        **{f: getattr(summary, f) for f in FamilyPublic.__struct_fields__},
        visits=[
            FamilyVisitPublic(
                id=v.id,
                status=str(v.status),
                due_at=v.due_at,
                completed_at=v.completed_at,
                summary=v.summary,
            )
            for v in visits
        ],
        assistance=[
            FamilyAssistancePublic(
                id=a.id, at=a.at, kind=a.kind, amount_cny=a.amount_cny, description=a.description
            )
            for a in helped
        ],
    )


async def _summary(
    session: AsyncSession, resident: Resident, visits: list, helped: list
) -> FamilyPublic:
    units = await all_units(session)
    community = units[resident.community_id]
    mentor = await session.get(User, resident.mentor_id) if resident.mentor_id else None
    plan = await _plan(session, resident.id)
    active = plan is not None and plan.active
    household = (
        await session.get(Household, resident.household_id) if resident.household_id else None
    )
    return FamilyPublic(
        difficulty=household.difficulty if household else "",
        resident_id=resident.id,
        name=resident.name,
        address=resident.address,
        community_code=community.code,
        community_name=community.name,
        mentor_id=mentor.id if mentor else None,
        mentor_name=mentor.display_name if mentor else "",
        interval_days=plan.interval_days if active else None,
        next_due_at=plan.next_due_at if active else None,
        visits_done=sum(1 for v in visits if v.status in DONE),
        visits_open=sum(
            1 for v in visits if v.status not in DONE and v.status != VisitStatus.CANCELLED
        ),
        assistance_count=len(helped),
        assistance_cny=round(sum(a.amount_cny or 0 for a in helped), 2),
    )


async def families(session: AsyncSession, actor: Actor) -> list[FamilyPublic]:
    """Every mentored family in the actor's part of the tree (one row a household), with
    totals. Those paired through the console are listed by the resident they were paired
    through; a household mentored before by its first resident."""
    if not may_manage_mentoring(actor):
        raise Refusal("forbidden", "Mentoring is arranged by supervisors.", 403)
    ids = [u.id for u in await subtree(session, actor.unit_path)]
    mentored = (
        await session.scalars(
            select(Resident)
            .where(Resident.community_id.in_(ids), Resident.mentor_id.is_not(None))
            .order_by(Resident.name, Resident.id)
        )
    ).all()
    planned = {
        p.resident_id
        for p in (
            await session.scalars(
                select(VisitPlan).where(
                    VisitPlan.kind == VisitKind.MENTORING,
                    VisitPlan.community_id.in_(ids),
                    VisitPlan.active,
                )
            )
        ).all()
    }
    chosen: dict = {}
    for resident in mentored:
        key = resident.household_id or resident.id
        if key not in chosen or resident.id in planned:
            chosen[key] = resident
    rows = []
    for resident in chosen.values():
        detail = await family(session, actor, resident.id)
        rows.append(FamilyPublic(**{f: getattr(detail, f) for f in FamilyPublic.__struct_fields__}))
    return rows


async def set_difficulty(
    session: AsyncSession, actor: Actor, resident_id: UUID, difficulty: str
) -> FamilyDetailPublic:
    """Record the household's difficulty type (特困, 低保, 低保边缘, …; "" for none): whoever
    arranges its mentoring. A resident without a household gets one (the family is theirs)."""
    if difficulty and difficulty not in DIFFICULTIES:
        raise Refusal("unknown_difficulty", f"No difficulty type {difficulty!r}.", 422)
    resident = await _family_member(session, actor, resident_id)
    household = (
        await session.get(Household, resident.household_id) if resident.household_id else None
    )
    if household is None:
        household = Household(
            community_id=resident.community_id,
            address=resident.address,
            mentored=resident.mentor_id is not None,
            mentor_id=resident.mentor_id,
        )
        session.add(household)
        await session.flush()
        resident.household_id = household.id
        resident.rev += 1
    household.difficulty = difficulty
    audit.record(
        session,
        actor,
        "family.difficulty",
        "resident",
        resident.id,
        resident.community_id,
        difficulty=difficulty,
    )
    await session.flush()
    return await family(session, actor, resident_id)


async def mentors(session: AsyncSession, actor: Actor) -> list[MentorPublic]:
    """The mentors in the actor's part of the tree (each mentors in their own community)."""
    if not may_manage_mentoring(actor):
        raise Refusal("forbidden", "Mentoring is arranged by supervisors.", 403)
    units = {u.id: u for u in await subtree(session, actor.unit_path)}
    rows = await session.scalars(
        select(User)
        .where(User.org_unit_id.in_(list(units)), User.role == "mentor", User.active.is_(True))
        .order_by(User.display_name)
    )
    return [
        MentorPublic(id=u.id, display_name=u.display_name, community_code=units[u.org_unit_id].code)
        for u in rows.all()
    ]
