"""The demo district staffed everywhere: the 35 member departments with an account each, a
supervisor and a worker in every subdistrict and community, `subdistrict1`, `dept_water` and
`inspector1`, and requests on their way through the levels. All share one password hash."""

import random
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.tables import User
from server.demo import names
from server.org.tables import Department, OrgUnit
from shared.departments import DEPARTMENTS, WATER
from shared.enums import OrgLevel, Role
from shared.permissions import Actor

# (username, display name, role, org unit code, department code), beyond the v1 accounts.
NAMED_ACCOUNTS = [
    ("subdistrict1", "街道社会治理办 孙丽", Role.SUPERVISOR, "D01-S01", None),
    ("dept_water", "水务局 热线专员 马强", Role.DEPARTMENT, "D01", WATER),
    ("inspector1", "区纪委监委 监察员 韩冰", Role.INSPECTOR, "D01", None),
]


def _name(rng: random.Random) -> str:
    given = rng.choice(names.GIVEN_MALE if rng.random() < 0.5 else names.GIVEN_FEMALE)
    return rng.choice(names.SURNAMES) + given


def _short(code: str) -> str:
    """ "D01-S03-C04" → "s03c04": the part of a unit's code that names it within the district."""
    return code.removeprefix("D01-").replace("-", "").lower()


async def seed_departments(session: AsyncSession) -> dict[str, Department]:
    """The member departments, by code."""
    found = {
        d.code: Department(code=d.code, name=d.name_zh, name_en=d.name_en) for d in DEPARTMENTS
    }
    session.add_all(found.values())
    await session.flush()
    return found


def staff_everywhere(
    session: AsyncSession,
    units: dict[str, OrgUnit],
    departments: dict[str, Department],
    users: dict[str, User],
    password_hash: str,
) -> None:
    """Adds the named accounts, an account for every department, and a supervisor and a worker
    wherever a unit has none yet (`users` is updated in place)."""
    rng = random.Random(35)

    def add(username, display, role, code, department=None) -> None:
        user = User(
            username=username,
            display_name=display,
            role=role,
            org_unit_id=units[code].id,
            department_id=departments[department].id if department else None,
            password_hash=password_hash,
        )
        session.add(user)
        users[username] = user

    for username, display, role, code, department in NAMED_ACCOUNTS:
        add(username, display, role, code, department)
    for department in departments.values():
        if department.code != WATER:
            username = f"dept{department.code[3:]}"
            add(
                username, f"{department.name} {_name(rng)}", Role.DEPARTMENT, "D01", department.code
            )
    held = {(u.org_unit_id, Role(u.role)) for u in users.values()}
    for code, unit in sorted(units.items()):
        if unit.level == OrgLevel.DISTRICT:
            continue
        title = "街道社会治理办" if unit.level == OrgLevel.SUBDISTRICT else "社区工作站站长"
        if (unit.id, Role.SUPERVISOR) not in held:
            add(f"sup_{_short(code)}", f"{title} {_name(rng)}", Role.SUPERVISOR, code)
        if (unit.id, Role.WORKER) not in held:
            add(f"worker_{_short(code)}", f"网格员 {_name(rng)}", Role.WORKER, code)


async def routed_requests(
    session: AsyncSession, units: dict[str, OrgUnit], users: dict[str, User], start: datetime
) -> int:
    """Requests on their way through the levels: held by subdistrict offices, with the water
    department (waiting to accept, accepted), and one with an unanswered supervision note."""
    from server.hotline import service as hotline

    by_id = {u.id: u for u in units.values()}

    def actor(name: str) -> Actor:
        user = users[name]
        return Actor(
            user.id, Role(user.role), by_id[user.org_unit_id].path, None, user.department_id
        )

    dispatcher, office = actor("dispatcher"), actor("subdistrict1")
    water, inspector = actor("dept_water"), actor("inspector1")
    calls = [
        ("D01-S01-C02", "repair.water", "楼顶水箱漏水，顺墙往下流", "subdistrict"),
        ("D01-S01-C03", "repair.water", "小区主水管爆裂，整栋楼停水", "water"),
        ("D01-S01-C04", "repair.water", "水表井盖破损，有人踩空", "accepted"),
        ("D01-S03-C02", "environment.sanitation", "垃圾清运不及时，异味严重", "subdistrict"),
        ("D01-S01-C05", "repair.heating", "整个单元暖气不热", "noted"),
    ]
    for index, (code, category, text, where) in enumerate(calls):
        now = start + timedelta(hours=3 * index)
        community = units[code]
        request = await hotline.create(
            session,
            dispatcher,
            {
                "channel": "phone",
                "caller_name": _name(random.Random(index)),
                "caller_phone": f"1390000{index:04d}",
                "address": f"{community.name}{names.STREETS[index]}{index + 3}号",
                "category_code": category,
                "description": text,
            },
            now,
        )
        later = now + timedelta(minutes=15)
        subdistrict = by_id[community.parent_id].code
        if where in ("subdistrict", "noted"):
            await hotline.dispatch(session, dispatcher, request.id, subdistrict, None, later)
        if where in ("water", "accepted"):
            await hotline.dispatch(session, dispatcher, request.id, subdistrict, None, later)
            await hotline.dispatch(
                session, office, request.id, code, WATER, later + timedelta(minutes=20)
            )
        if where == "accepted":
            await hotline.accept(session, water, request.id, later + timedelta(hours=1))
        if where == "noted":
            await hotline.add_note(
                session, inspector, request.id, "请说明为何未及时派单", later + timedelta(hours=2)
            )
    return len(calls)
