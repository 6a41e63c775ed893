"""The demo's special funds and partner register: this year's budgets with some spending,
and a realistic sample of social organisations, volunteer teams and "两老" patrols with
their activities over the past months. Bulk inserts, so the demo stays quick to build."""

import random
from datetime import timedelta
from typing import Any
from uuid import uuid4

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import utcnow
from server.demo import names
from server.funds.tables import Fund, FundEntry
from server.org.tables import OrgUnit
from server.organisations.tables import Organisation, OrganisationActivity
from shared.enums import OrgLevel
from shared.funds import fund_year, to_fen
from shared.localtime import to_local

SOCIAL_ORGS = [
    ("{area}社会工作服务中心", "社工服务、困难家庭个案帮扶"),
    ("{area}居家养老服务中心", "助餐、助浴、上门照护"),
    ("{area}阳光助残服务社", "残疾人康复与就业辅导"),
    ("{area}青少年成长服务中心", "课后托管、心理辅导"),
    ("{area}邻里互助协会", "邻里互助、矛盾调解"),
    ("{area}老年协会", "文体活动、老年人权益"),
]
VOLUNTEER_TEAMS = [
    ("{area}党员志愿服务队", "入户走访、政策宣传"),
    ("{area}巾帼志愿服务队", "关爱空巢老人、儿童"),
    ("{area}青年志愿服务队", "环境整治、便民服务"),
    ("{area}医疗健康志愿服务队", "义诊、健康讲座"),
]
PATROL_TEAMS = [("{area}“两老”平安巡逻队", "退休老党员、老干部治安巡逻")]
ACTIVITIES = {
    "social_org": [
        ("困难家庭入户帮扶", "居民家中"),
        ("老年人助餐服务", "社区食堂"),
        ("心理健康讲座", "社区活动室"),
        ("邻里纠纷调解", "社区调解室"),
    ],
    "volunteer_team": [
        ("环境卫生整治", "小区公共区域"),
        ("空巢老人走访", "居民家中"),
        ("义诊进社区", "社区广场"),
        ("防诈骗宣传", "社区广场"),
    ],
    "patrol_team": [
        ("夜间治安巡逻", "小区及周边街巷"),
        ("节前安全隐患排查", "沿街商铺"),
        ("消防安全巡查", "老旧楼院"),
    ],
}
SPENDING = [
    ("elderly_care", "老年助餐补贴", 800, 6000),
    ("activities", "重阳节敬老活动", 500, 4000),
    ("volunteers", "志愿者保险及服装", 300, 3000),
    ("facilities", "楼道照明维修", 400, 5000),
    ("training", "家政技能培训", 1000, 8000),
    ("emergency", "火灾受灾家庭临时救助", 500, 3000),
]


def _person(rng: random.Random) -> str:
    given = rng.choice(names.GIVEN_MALE + names.GIVEN_FEMALE)
    return rng.choice(names.SURNAMES) + given


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"


def _area(unit: OrgUnit) -> str:
    return unit.name.removesuffix("街道").removesuffix("社区")


async def seed_partners(
    session: AsyncSession, units: dict[str, OrgUnit], admin_id: Any, zone: str | None = None
) -> dict:
    """Loads this year's funds (a calendar year in `zone`) and the register into the demo."""
    rng = random.Random(14)
    now = utcnow()
    funds = _funds(rng, units, admin_id, now, zone)
    organisations, activities = _register(rng, units, admin_id, now, zone)
    await session.execute(insert(Fund.__table__), funds[0])
    await session.execute(insert(FundEntry.__table__), funds[1])
    await session.execute(insert(Organisation.__table__), organisations)
    await session.execute(insert(OrganisationActivity.__table__), activities)
    return {"organisations": len(organisations), "activities": len(activities)}


def _funds(rng, units, admin_id, now, zone) -> tuple[list[dict], list[dict]]:
    year = fund_year(now, zone)
    start_of_year = max(0, (to_local(now, zone).timetuple().tm_yday - 2))
    funds, entries = [], []
    for unit in units.values():
        fund_id, spent = uuid4(), 0
        budget = to_fen(unit.budget_cny or 0)
        if budget and unit.level != OrgLevel.DISTRICT:
            scale = 10 if unit.level == OrgLevel.SUBDISTRICT else 1
            for category, note, low, high in rng.sample(SPENDING, rng.randint(1, 4)):
                amount = to_fen(rng.randint(low, high) * scale)
                spent += amount
                entries.append(
                    {
                        "id": uuid4(),
                        "fund_id": fund_id,
                        "org_unit_id": unit.id,
                        "year": year,
                        "amount_fen": amount,
                        "category": category,
                        "note": note,
                        "source": "console",
                        "source_id": None,
                        "recorded_by": admin_id,
                        "at": now
                        - timedelta(days=rng.randint(0, start_of_year), hours=rng.randint(0, 9)),
                        "created_at": now,
                    }
                )
        funds.append(
            {
                "id": fund_id,
                "org_unit_id": unit.id,
                "year": year,
                "budget_fen": budget,
                "spent_fen": spent,
                "updated_at": now,
            }
        )
    return funds, entries


def _register(rng, units, admin_id, now, zone) -> tuple[list[dict], list[dict]]:
    organisations, activities = [], []
    today = to_local(now, zone).date()

    def add(kind: str, unit: OrgUnit, pattern: tuple[str, str], size: tuple[int, int]) -> None:
        members = [_person(rng) for _ in range(rng.randint(3, 6))]
        organisation = {
            "id": uuid4(),
            "kind": kind,
            "org_unit_id": unit.id,
            "name": pattern[0].format(area=_area(unit)),
            "focus": pattern[1],
            "contact_name": members[0],
            "contact_phone": _phone(rng),
            "member_count": rng.randint(*size),
            "members": members,
            "created_by": admin_id,
            "created_at": now,
        }
        organisations.append(organisation)
        for _ in range(rng.randint(2, 6)):
            title, place = rng.choice(ACTIVITIES[kind])
            people = rng.randint(4, min(40, organisation["member_count"]))
            activities.append(
                {
                    "id": uuid4(),
                    "organisation_id": organisation["id"],
                    "org_unit_id": unit.id,
                    "on_date": today - timedelta(days=rng.randint(1, 150)),
                    "title": title,
                    "place": f"{unit.name}{place}",
                    "participants": people,
                    "hours": float(people * rng.choice([1, 1.5, 2, 2.5, 3])),
                    "recorded_by": admin_id,
                    "created_at": now,
                }
            )

    for unit in sorted(units.values(), key=lambda u: u.code):
        if unit.level == OrgLevel.SUBDISTRICT:
            add("social_org", unit, rng.choice(SOCIAL_ORGS), (8, 40))
            add("volunteer_team", unit, rng.choice(VOLUNTEER_TEAMS), (20, 120))
        elif unit.level == OrgLevel.COMMUNITY:
            index = int(unit.code[-2:])
            if index % 2 == 1:
                add("patrol_team", unit, PATROL_TEAMS[0], (8, 30))
            if index % 3 == 1:
                add("volunteer_team", unit, rng.choice(VOLUNTEER_TEAMS), (10, 60))
            if index == 2:
                add("social_org", unit, rng.choice(SOCIAL_ORGS), (5, 25))
    return organisations, activities
