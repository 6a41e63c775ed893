"""The register: listing and adding organisations and teams, their activities, the figures."""

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit import service as audit
from server.clock import utcnow
from server.errors import Refusal
from server.org.service import all_units, subtree, unit_by_code
from server.org.tables import OrgUnit
from server.organisations.schemas import (
    ActivityCreate,
    ActivityPublic,
    Figures,
    OrganisationCreate,
    OrganisationDetail,
    OrganisationPublic,
)
from server.organisations.tables import Organisation, OrganisationActivity
from shared.administration import may_record_activity, may_register_organisation, sees_organisation
from shared.localtime import to_local
from shared.permissions import Actor, within_reach

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 1, 1)


async def _in_reach(session: AsyncSession, actor: Actor, code: str | None) -> list[OrgUnit]:
    """The units the actor may read the register of: its subtree, or the subtree of `code`."""
    if code is None:
        return await subtree(session, actor.unit_path)
    unit = await unit_by_code(session, code)
    if unit is None or not within_reach(actor, unit.path):
        raise Refusal("not_found", "No such unit in your area.", 404)
    return await subtree(session, unit.path)


async def _totals(session: AsyncSession, ids: list[UUID]) -> dict[UUID, tuple[int, float]]:
    if not ids:
        return {}
    rows = await session.execute(
        select(
            OrganisationActivity.organisation_id,
            func.count(),
            func.coalesce(func.sum(OrganisationActivity.hours), 0),
        )
        .where(OrganisationActivity.organisation_id.in_(ids))
        .group_by(OrganisationActivity.organisation_id)
    )
    return {oid: (count, float(hours)) for oid, count, hours in rows}


def _public(row: Organisation, units: dict[UUID, OrgUnit], totals, cls=OrganisationPublic, **more):
    unit = units[row.org_unit_id]
    count, hours = totals.get(row.id, (0, 0.0))
    return cls(
        id=row.id,
        kind=row.kind,
        org_unit=unit.code,
        org_unit_name=unit.name,
        name=row.name,
        focus=row.focus,
        contact_name=row.contact_name,
        contact_phone=row.contact_phone,
        member_count=row.member_count,
        members=list(row.members or []),
        activities=count,
        hours=round(hours, 1),
        **more,
    )


async def search(
    session: AsyncSession,
    actor: Actor,
    kind: str | None = None,
    code: str | None = None,
    q: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[OrganisationPublic]:
    units = await _in_reach(session, actor, code)
    query = select(Organisation).where(Organisation.org_unit_id.in_([u.id for u in units]))
    if kind:
        query = query.where(Organisation.kind == kind)
    if q:
        like = f"%{q}%"
        query = query.where(or_(Organisation.name.like(like), Organisation.focus.like(like)))
    rows = (
        await session.scalars(
            query.order_by(Organisation.kind, Organisation.name).limit(limit).offset(offset)
        )
    ).all()
    totals = await _totals(session, [r.id for r in rows])
    everyone = await all_units(session)
    return [_public(r, everyone, totals) for r in rows]


async def _visible(session: AsyncSession, actor: Actor, organisation_id: UUID) -> Organisation:
    row = await session.get(Organisation, organisation_id)
    units = await all_units(session)
    unit = units.get(row.org_unit_id) if row else None
    if unit is None or not sees_organisation(actor, unit.path):
        raise Refusal("not_found", "No such organisation in your area.", 404)
    return row


async def detail(session: AsyncSession, actor: Actor, organisation_id: UUID) -> OrganisationDetail:
    row = await _visible(session, actor, organisation_id)
    activities = (
        await session.scalars(
            select(OrganisationActivity)
            .where(OrganisationActivity.organisation_id == row.id)
            .order_by(OrganisationActivity.on_date.desc(), OrganisationActivity.created_at.desc())
        )
    ).all()
    return _public(
        row,
        await all_units(session),
        await _totals(session, [row.id]),
        OrganisationDetail,
        recent=[ActivityPublic.from_row(a) for a in activities],
    )


async def create(
    session: AsyncSession, actor: Actor, body: OrganisationCreate
) -> OrganisationPublic:
    unit = await unit_by_code(session, body.org_unit)
    if unit is None or not within_reach(actor, unit.path):
        raise Refusal("not_found", "No such unit in your area.", 404)
    if not may_register_organisation(actor, unit.path):
        raise Refusal("forbidden", "Only the unit's supervisors and admins add to its register.")
    members = [m.strip() for m in body.members if m.strip()]
    row = Organisation(
        kind=body.kind,
        org_unit_id=unit.id,
        name=body.name.strip(),
        focus=body.focus.strip(),
        contact_name=body.contact_name.strip(),
        contact_phone=body.contact_phone.strip(),
        member_count=max(body.member_count or 0, len(members)),
        members=members,
        created_by=actor.user_id,
    )
    session.add(row)
    await session.flush()
    audit.record(
        session,
        actor,
        "organisation.create",
        "organisation",
        row.id,
        unit.id,
        kind=row.kind,
        name=row.name,
    )
    return _public(row, await all_units(session), {})


async def add_activity(
    session: AsyncSession, actor: Actor, organisation_id: UUID, body: ActivityCreate
) -> ActivityPublic:
    row = await _visible(session, actor, organisation_id)
    path = (await all_units(session))[row.org_unit_id].path
    if not may_record_activity(actor, path):
        raise Refusal("forbidden", "You may not record this team's activities.")
    if not EARLIEST <= body.on_date < LATEST:
        raise Refusal("invalid_request", "The date must lie between 2000 and 2100.", 422)
    activity = OrganisationActivity(
        organisation_id=row.id,
        org_unit_id=row.org_unit_id,
        on_date=body.on_date,
        title=body.title.strip(),
        place=body.place.strip(),
        participants=body.participants,
        hours=body.hours,
        recorded_by=actor.user_id,
    )
    session.add(activity)
    await session.flush()
    audit.record(
        session,
        actor,
        "organisation.activity",
        "organisation_activity",
        activity.id,
        row.org_unit_id,
        organisation_id=row.id,
        hours=body.hours,
    )
    return ActivityPublic.from_row(activity)


async def figures(
    session: AsyncSession, actor: Actor, zone: str | None = None, code: str | None = None
) -> Figures:
    """The register's counts in the actor's part of the tree (or the subtree of the unit
    `code` within it); activities of the last 12 months."""
    ids = [u.id for u in await _in_reach(session, actor, code)]
    kinds: dict[str, tuple[int, int]] = {}
    for start in range(0, len(ids), 900):
        rows = await session.execute(
            select(
                Organisation.kind,
                func.count(),
                func.coalesce(func.sum(Organisation.member_count), 0),
            )
            .where(Organisation.org_unit_id.in_(ids[start : start + 900]))
            .group_by(Organisation.kind)
        )
        for kind, count, members in rows:
            before = kinds.get(kind, (0, 0))
            kinds[kind] = (before[0] + count, before[1] + int(members))
    since = to_local(utcnow(), zone).date() - timedelta(days=365)
    done: list[Any] = [0, 0, 0.0]
    for start in range(0, len(ids), 900):
        count, participants, hours = (
            await session.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(OrganisationActivity.participants), 0),
                    func.coalesce(func.sum(OrganisationActivity.hours), 0),
                ).where(
                    OrganisationActivity.org_unit_id.in_(ids[start : start + 900]),
                    OrganisationActivity.on_date > since,
                )
            )
        ).one()
        done = [done[0] + count, done[1] + int(participants), done[2] + float(hours)]
    return Figures(
        organisations=kinds.get("social_org", (0, 0))[0],
        volunteer_teams=kinds.get("volunteer_team", (0, 0))[0],
        patrol_teams=kinds.get("patrol_team", (0, 0))[0],
        members=sum(members for _, members in kinds.values()),
        activities=done[0],
        participants=done[1],
        hours=round(done[2], 1),
    )
