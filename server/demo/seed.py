"""Loading the demo district into an empty database, deterministically."""

import random
from datetime import timedelta
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.passwords import hash_password
from server.auth.tables import User
from server.catalogue.tables import ServiceCategory
from server.clock import utcnow
from server.config import Settings
from server.demo import history, names, places, staff, steps, streets, volume
from server.demo.decisions import waiting_decisions
from server.demo.mentoring import plan_mentoring
from server.demo.partners import seed_partners
from server.org.tables import OrgUnit
from server.residents.tables import Household, Resident
from server.visits.tables import Visit
from shared.catalogue import CATALOGUE
from shared.enums import OrgLevel, Role, VisitKind, VisitStatus
from shared.orgtree import child_path

DEMO_PASSWORD = "demo-pass-2026"
# (username, display name, role, org unit code), as the contract lists them.
DEMO_ACCOUNTS = [
    ("admin", "区平台管理员", Role.ADMIN, "D01"),
    ("dispatcher", "热线调度员 李娜", Role.DISPATCHER, "D01"),
    ("supervisor1", "社区主任 王秀兰", Role.SUPERVISOR, "D01-S01-C01"),
    ("worker1", "网格员 张伟", Role.WORKER, "D01-S01-C01"),
    ("worker2", "网格员 刘洋", Role.WORKER, "D01-S01-C01"),
    ("worker3", "网格员 陈静", Role.WORKER, "D01-S02-C01"),
    ("mentor1", "党员 赵志刚", Role.MENTOR, "D01-S01-C01"),
]
COMMUNITIES_PER_SUBDISTRICT = [7] * 9 + [6] * 6  # 63 + 36 = 99


class DemoRefused(Exception):
    pass


async def has_demo(session: AsyncSession) -> bool:
    admin = await session.scalar(select(User).where(User.username == "admin"))
    district = await session.scalar(select(OrgUnit).where(OrgUnit.code == "D01"))
    return admin is not None and district is not None


async def is_empty(session: AsyncSession) -> bool:
    users = await session.scalar(select(func.count()).select_from(User))
    units = await session.scalar(select(func.count()).select_from(OrgUnit))
    return not users and not units


async def seed_demo(
    session: AsyncSession, settings: Settings, residents: int = 400, requests: int = 0
) -> dict:
    """Loads the district; refuses in production and on a database holding other data.
    `requests`: that many more hotline calls over the past year (`server/demo/volume.py`).
    Then the clock is walked over the seeded days (`server/demo/history.py`)."""
    if settings.is_production:
        raise DemoRefused("the demo district is never loaded when DOORSTEP_ENV=production")
    if not await is_empty(session):
        raise DemoRefused("the database already holds data; the demo needs an empty one")
    rng = random.Random(2026)
    units = _org_tree(session)
    for category in CATALOGUE:
        session.add(
            ServiceCategory(
                code=category.code,
                name_zh=category.name_zh,
                name_en=category.name_en,
                programme=category.programme,
                department=category.department,
                time_limit_hours=category.time_limit_hours,
                time_limit_days=category.time_limit_days,
            )
        )
    await session.flush()
    session.add_all(streets.library(units))  # the address library (标准地址库)
    password_hash = hash_password(
        DEMO_PASSWORD, settings.password_memory_kib, settings.password_iterations
    )
    departments = await staff.seed_departments(session)
    users = {}
    for username, display, role, code in DEMO_ACCOUNTS:
        user = User(
            username=username,
            display_name=display,
            role=role,
            org_unit_id=units[code].id,
            password_hash=password_hash,
        )
        session.add(user)
        users[username] = user
    staff.staff_everywhere(session, units, departments, users, password_hash)
    await session.flush()
    people = await _residents(session, rng, units, users, residents)
    _visits(session, rng, units, users, people)
    await session.flush()
    made = await _hotline(session, rng, units, users, people)
    made += await staff.routed_requests(session, units, users, utcnow() - timedelta(days=1))
    if requests:
        made += await volume.add_year(session, units, users, requests, utcnow())
    escalations = await history.walk(session, utcnow())
    # The decisions waiting today are made after the walk: they are the office's present, which
    # the walk's rule must not move on.
    made += await waiting_decisions(session, units, users, people, utcnow() - timedelta(hours=20))
    _plans(units, users, people, session)
    partners = await seed_partners(session, units, users["admin"].id, settings.timezone)
    plan_mentoring(session, people)
    return {
        **partners,
        "requests": made,
        "escalations": escalations,
        "units": len(units),
        "residents": len(people),
        "users": len(users),
    }


def _org_tree(session: AsyncSession) -> dict[str, OrgUnit]:
    district = OrgUnit(code="D01", name="幸福区", level=OrgLevel.DISTRICT, path="D01")
    units = {"D01": district}
    session.add(district)
    for s_index, count in enumerate(COMMUNITIES_PER_SUBDISTRICT, start=1):
        code = f"D01-S{s_index:02d}"
        sub = OrgUnit(
            code=code,
            name=f"{names.SUBDISTRICTS[s_index - 1]}街道",
            level=OrgLevel.SUBDISTRICT,
            parent_id=district.id,
            path=child_path(district.path, code),
            budget_cny=1_000_000,
        )
        session.add(sub)
        units[code] = sub
        for c_index in range(1, count + 1):
            c_code = f"{code}-C{c_index:02d}"
            word = names.COMMUNITY_WORDS[(s_index * 7 + c_index) % len(names.COMMUNITY_WORDS)]
            community = OrgUnit(
                code=c_code,
                name=f"{names.SUBDISTRICTS[s_index - 1]}{word}社区",
                level=OrgLevel.COMMUNITY,
                parent_id=sub.id,
                path=child_path(sub.path, c_code),
                budget_cny=100_000,
            )
            session.add(community)
            units[c_code] = community
    return units


def _person(rng: random.Random) -> tuple[str, str]:
    gender = rng.choice(["男", "女"])
    given = rng.choice(names.GIVEN_MALE if gender == "男" else names.GIVEN_FEMALE)
    return rng.choice(names.SURNAMES) + given, gender


def _address(rng: random.Random, community: OrgUnit) -> str:
    return (
        f"{community.name}{rng.choice(names.STREETS)}{rng.randint(1, 200)}号"
        f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(1, 7)}0{rng.randint(1, 4)}室"
    )


async def _residents(session, rng, units, users, total: int) -> list[Resident]:
    communities = [u for u in units.values() if u.level == OrgLevel.COMMUNITY]
    # The demo accounts' communities get many residents; the rest of the district a few each.
    plan = {"D01-S01-C01": 60, "D01-S02-C01": 30}
    rest = total - sum(plan.values())
    others = [c for c in communities if c.code not in plan]
    for index in range(rest):
        code = others[index % len(others)].code
        plan[code] = plan.get(code, 0) + 1
    people: list[Resident] = []
    all_households: list[Household] = []
    mentor = users["mentor1"]
    for code, count in plan.items():
        community = units[code]
        households = []
        for index in range(count):
            if index % 3 == 0 or not households:
                household = Household(
                    community_id=community.id,
                    address=_address(rng, community),
                    low_income=rng.random() < 0.15,
                )
                # In the mentor's community, the first two families are mentored by mentor1.
                if code == "D01-S01-C01" and len(households) < 2:
                    household.mentored, household.mentor_id = True, mentor.id
                    household.low_income = True
                households.append(household)
                all_households.append(household)
            household = households[-1]
            name, gender = _person(rng)
            living_alone = index % 3 == 0 and rng.random() < 0.6
            resident = Resident(
                name=name,
                gender=gender,
                birth_year=rng.randint(1930, 1965),
                phone=f"1{rng.choice('35789')}{rng.randint(0, 999999999):09d}",
                address=household.address,
                community_id=community.id,
                household_id=household.id,
                mentor_id=household.mentor_id,
                living_alone=living_alone,
                low_income=household.low_income,
                risk_flags=[
                    f
                    for f, on in (
                        ("living_alone", living_alone),
                        ("low_income", household.low_income),
                    )
                    if on
                ],
                notes=rng.choice(names.NOTES),
            )
            people.append(resident)
    session.add_all(all_households)
    await session.flush()
    places.locate_homes(people, units)
    session.add_all(people)
    await session.flush()
    return people


def _visits(session, rng, units, users, people: list[Resident]) -> None:
    now = utcnow()

    def residents_of(code: str, mentor: UUID | None = None) -> list[Resident]:
        return [
            r
            for r in people
            if r.community_id == units[code].id and (mentor is None or r.mentor_id == mentor)
        ]

    # Titles are codes (shared/visits.py TITLE_CODES), worded in the reader's language.
    def add(resident, user, kind, days, status=VisitStatus.ASSIGNED, title_code=""):
        visit = Visit(
            resident_id=resident.id,
            community_id=resident.community_id,
            assignee_id=user.id,
            kind=kind,
            status=status,
            due_at=now + timedelta(days=days),
            title_code=title_code,
            created_by=users["supervisor1"].id,
        )
        if status == VisitStatus.COMPLETED:
            visit.started_at = now - timedelta(hours=3)
            visit.completed_at = now - timedelta(hours=2)
            visit.summary = "老人身体状况良好，家中水电气检查正常。"
        session.add(visit)

    home = residents_of("D01-S01-C01")
    for offset, worker in ((0, users["worker1"]), (20, users["worker2"])):
        for index in range(7):
            resident = home[offset + index]
            kind = VisitKind.CHECKIN if resident.living_alone or index % 2 else VisitKind.SERVICE
            add(
                resident,
                worker,
                kind,
                days=index - 2,
                title_code="elder_visit" if kind == VisitKind.CHECKIN else "home_service",
            )
        for index in range(2):
            add(
                home[offset + 10 + index],
                worker,
                VisitKind.CHECKIN,
                days=-1,
                status=VisitStatus.COMPLETED,
                title_code="elder_visit",
            )
    for index, resident in enumerate(residents_of("D01-S02-C01")[:6]):
        add(resident, users["worker3"], VisitKind.CHECKIN, days=index - 1, title_code="elder_visit")
    for index, resident in enumerate(residents_of("D01-S01-C01", users["mentor1"].id)[:3]):
        add(
            resident,
            users["mentor1"],
            VisitKind.MENTORING,
            days=index + 1,
            title_code="mentoring_visit",
        )


HOTLINE_CALLS = [
    ("repair.water", "厨房水管漏水，地面积水"),
    ("repair.heating", "暖气不热，家中只有十五度"),
    ("elderly.care", "独居老人需要上门助餐"),
    ("environment.sanitation", "楼道堆放杂物影响通行"),
    ("safety.hazard", "小区路灯损坏，夜间出行不便"),
    ("info.resident", "咨询高龄津贴申领"),
    ("jobs.placement", "失业人员希望推荐工作"),
    ("repair.power", "单元楼停电"),
    ("health.basic", "老人需要上门测血压"),
    ("repair.gas", "闻到燃气味"),
]


async def _hotline(session, rng, units, users, people: list[Resident]) -> int:
    """Requests in every state, so the console's queue, supervision and dashboard have work."""
    from datetime import timedelta

    from server.hotline import service as hotline
    from server.visits import service as visits
    from shared import mutations as m
    from shared.permissions import Actor

    def actor(name: str) -> Actor:
        user = users[name]
        return Actor(user.id, Role(user.role), units_by_id[user.org_unit_id].path)

    units_by_id = {u.id: u for u in units.values()}
    dispatcher, supervisor, worker = actor("dispatcher"), actor("supervisor1"), actor("worker1")
    home = [r for r in people if r.community_id == units["D01-S01-C01"].id]
    elsewhere = [r for r in people if r.community_id != units["D01-S01-C01"].id]
    start = utcnow() - timedelta(days=6)
    made = 0
    for index in range(24):
        resident = home[30 + index] if index < 10 else elsewhere[index * 7 % len(elsewhere)]
        code, text = HOTLINE_CALLS[index % len(HOTLINE_CALLS)]
        now = start + timedelta(hours=6 * index)
        request = await hotline.create(
            session,
            dispatcher,
            {
                "channel": ("phone", "web", "walk_in")[index % 3],
                "caller_name": resident.name,
                "caller_phone": resident.phone,
                "address": resident.address,
                "resident_id": resident.id,
                "category_code": code,
                "description": text,
            },
            now,
        )
        made += 1
        if index % 6 == 5:
            continue  # received, waiting for the dispatcher
        await hotline.dispatch(
            session, dispatcher, request.id, None, None, now + timedelta(minutes=10)
        )
        if index >= 10 or index % 5 == 4:
            continue  # elsewhere: dispatched to its community
        await hotline.assign(
            session, supervisor, request.id, users["worker1"].id, now + timedelta(minutes=30)
        )
        if index % 5 == 3:
            continue  # assigned: on worker1's phone
        await session.flush()
        at = now + timedelta(hours=1)
        await steps.visit_at_the_door(
            session, worker, request.visit_id, resident, at, timedelta(hours=1), "已上门处理完毕"
        )
        if index % 5 == 2:
            continue  # resolved: waiting for the supervisor to verify
        await visits.decide(
            session, supervisor, m.ApprovalDecide(visit_id=request.visit_id, decision="approve")
        )
        await hotline.give_feedback(
            session, dispatcher, request.id, "已电话回访告知处理结果", at + timedelta(hours=3)
        )
        await hotline.rate(
            session, dispatcher, request, (5, 4, 5, 2)[index % 4], "", at + timedelta(hours=4)
        )
    return made


def _plans(units, users, people: list[Resident], session) -> None:
    """Weekly check-ins for everyone living alone where the demo has workers."""
    from datetime import timedelta

    from server.plans.tables import VisitPlan

    now = utcnow()
    workers = {
        "D01-S01-C01": [users["worker1"], users["worker2"]],
        "D01-S02-C01": [users["worker3"]],
    }
    for code, team in workers.items():
        alone = [r for r in people if r.community_id == units[code].id and r.living_alone]
        for index, resident in enumerate(alone):
            session.add(
                VisitPlan(
                    resident_id=resident.id,
                    community_id=resident.community_id,
                    assignee_id=team[index % len(team)].id,
                    interval_days=(7, 7, 15, 30)[index % 4],
                    next_due_at=now + timedelta(days=2 + index % 5),
                )
            )
