"""Requests in the demo that wait for someone's decision, so a new user finds each kind on its
page: the water department's 延期申请 waiting for the district, its 退回 waiting for the
district's 审核, and a request in 复核 after the caller said at 回访 that they were not
satisfied (back with its community for a new assignment)."""

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.tables import User
from server.demo import steps
from server.hotline import service as hotline
from server.hotline.schemas import CallbackBody
from server.org.tables import OrgUnit
from server.residents.tables import Resident
from server.visits import service as visits
from shared import mutations as m
from shared.departments import WATER
from shared.enums import Role
from shared.permissions import Actor

# (community, category, what the caller said, where it stops)
CALLS = [
    ("D01-S01-C02", "repair.water", "小区地下主管道渗漏，需开挖更换", "extension"),
    ("D01-S01-C03", "repair.water", "楼前井盖下有燃气味，疑似燃气管道", "return"),
]


async def waiting_decisions(
    session: AsyncSession,
    units: dict[str, OrgUnit],
    users: dict[str, User],
    people: list[Resident],
    start: datetime,
) -> int:
    """Two requests with the water department (one asking for more time, one returned) and
    one in 复核. Returns how many requests it made."""
    by_id = {u.id: u for u in units.values()}

    def actor(name: str) -> Actor:
        user = users[name]
        return Actor(
            user.id, Role(user.role), by_id[user.org_unit_id].path, None, user.department_id
        )

    dispatcher, water = actor("dispatcher"), actor("dept_water")
    for index, (code, category, text, where) in enumerate(CALLS):
        now = start + timedelta(hours=2 * index)
        community = units[code]
        request = await hotline.create(
            session,
            dispatcher,
            {
                "channel": "phone",
                "caller_name": "刘桂芳" if index else "陈志明",
                "caller_phone": f"1390001{index:04d}",
                "address": f"{community.name}建设路{index + 11}号",
                "category_code": category,
                "description": text,
            },
            now,
        )
        await hotline.dispatch(
            session, dispatcher, request.id, code, WATER, now + timedelta(minutes=10)
        )
        await hotline.accept(session, water, request.id, now + timedelta(hours=1))
        later = now + timedelta(hours=3)
        if where == "extension":
            await hotline.ask_extension(
                session, water, request.id, 3, "需停水开挖更换主管道，材料到货需三个工作日", later
            )
        else:
            await hotline.give_back(
                session, water, request.id, "经现场查看为燃气管道，不属供水职责", later
            )
    await _in_review(session, units, users, people, start, actor)
    return len(CALLS) + 1


async def _in_review(session, units, users, people, start: datetime, actor) -> None:
    """A request worked by worker1, verified and told; at 回访 the caller is not satisfied, so
    it goes back to the community (复核)."""
    dispatcher, supervisor, worker = actor("dispatcher"), actor("supervisor1"), actor("worker1")
    home = [r for r in people if r.community_id == units["D01-S01-C01"].id]
    resident = home[-1]
    now = start + timedelta(hours=5)
    request = await hotline.create(
        session,
        dispatcher,
        {
            "channel": "phone",
            "caller_name": resident.name,
            "caller_phone": resident.phone,
            "address": resident.address,
            "resident_id": resident.id,
            "category_code": "repair.power",
            "description": "楼道灯坏了，晚上老人看不清台阶",
        },
        now,
    )
    await hotline.dispatch(session, dispatcher, request.id, None, None, now + timedelta(minutes=5))
    await hotline.assign(
        session, supervisor, request.id, users["worker1"].id, now + timedelta(minutes=20)
    )
    await session.flush()
    at = now + timedelta(hours=1)
    await steps.visit_at_the_door(
        session, worker, request.visit_id, resident, at, timedelta(minutes=40), "更换楼道灯泡"
    )
    await visits.decide(
        session, supervisor, m.ApprovalDecide(visit_id=request.visit_id, decision="approve")
    )
    await hotline.give_feedback(
        session, dispatcher, request.id, "已电话告知：灯泡已更换", at + timedelta(hours=2)
    )
    unhappy = CallbackBody(
        method="phone", reached=True, resolved=False, satisfied=False, note="只换了一层，楼上仍然黑"
    )
    await hotline.call_back(session, dispatcher, request.id, unhappy, at + timedelta(hours=4))
