"""A district's year of hotline calls for the demo (`seed-demo --requests N`): N requests
spread evenly over the last 365 days, from callers across the 99 communities, written in bulk
(statements of thousands of rows, not one service call each; how long a year takes to seed
is in docs/benchmarks.md).

Each request is as a working office leaves it: every step taken within its stage's limit
(dispatched to its community and its worker, resolved, verified, the caller told and their
rating taken, each on the timeline), so the older ones are closed and the last days' still on
their way, their stage clocks set by the rule. A few of the last ten days' stall at a step:
they fall overdue, and the clock walk (`server/demo/history.py`) escalates them. Due times
count calendar hours (`time_limit_hours`; a working-day limit is taken as days × 24): the
year is load, not a lesson in the official calendar.

These rows bypass the service layer, so they make no feed entries and no audit rows: the
phones never hear of them (none is assigned to anyone), and the audit trail stays the
demo's own."""

import random
from datetime import datetime, timedelta
from uuid import uuid4

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.tables import User
from server.demo import names
from server.hotline import daily, facts
from server.hotline.daily import local_day
from server.hotline.tables import HotlineRequest, RequestCounter, RequestEvent
from server.org.tables import OrgUnit
from shared.catalogue import CATALOGUE
from shared.enums import OrgLevel, Role
from shared.localtime import to_local
from shared.requests import STAGE_SHARE, RequestStatus

S = RequestStatus
DAYS = 365
OPEN_DAYS = 10  # of the requests younger than this,
STALLED = 0.02  # this share stalls at some step (the rest move on in time)
CHUNK = 2000
CALLS = {
    "repair": ["厨房水管漏水，地面积水", "单元楼停电", "闻到燃气味", "暖气不热"],
    "elderly": ["独居老人需要上门助餐", "老人需要有人陪同就医", "电子保姆呼叫无人应答"],
    "health": ["老人需要上门测血压", "咨询家庭医生签约"],
    "household": ["需要家政保洁", "老人家中需要整理"],
    "jobs": ["失业人员希望推荐工作", "咨询技能培训报名"],
    "safety": ["小区路灯损坏，夜间出行不便", "楼道堆放杂物影响通行"],
    "information": ["咨询高龄津贴申领", "咨询低保政策"],
    "mentoring": ["困难家庭希望结对帮扶"],
}
CLEAN_PENDING = (
    "SELECT gin_clean_pending_list(c.oid::regclass) FROM pg_class c "
    "WHERE c.relname LIKE 'ix_hotline_request_%_trgm' AND c.relkind = 'i'"
)
RATINGS = (5, 5, 5, 5, 4, 4, 4, 3)  # a poor one (≤ 2) would have reopened it


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randint(0, 999_999_999):09d}"


async def add_year(
    session: AsyncSession,
    units: dict[str, OrgUnit],
    users: dict[str, User],
    count: int,
    now: datetime,
    seed: int = 21,
) -> int:
    """`count` requests over the year before `now`; returns how many were added."""
    rng = random.Random(seed)
    communities = sorted(
        (u for u in units.values() if u.level == OrgLevel.COMMUNITY), key=lambda u: u.code
    )
    people: dict = {"dispatcher": users["dispatcher"]}  # and each community's worker by its id
    for user in sorted(users.values(), key=lambda u: u.username):
        if user.role == Role.WORKER:
            people.setdefault(user.org_unit_id, user)
    counters = {c.day: c.last for c in (await session.scalars(select(RequestCounter))).all()}
    fresh = set(counters)
    start = now - timedelta(days=DAYS)
    span = DAYS * 86400 - 3600  # the last call an hour before now
    requests: list[dict] = []
    events: list[dict] = []
    for n in range(count):
        received = start + timedelta(seconds=span * (n + rng.random()) / count)
        category = rng.choice(CATALOGUE)
        community = rng.choice(communities)
        day = to_local(received).strftime("%y%m%d")
        counters[day] = counters.get(day, 0) + 1
        request, steps = _request(rng, category, community, people, received, now)
        request["number"] = f"{day}-{counters[day]:04d}"
        requests.append(request)
        events.extend(steps)
        if len(requests) >= CHUNK:
            await _write(session, requests, events)
    await _write(session, requests, events)
    for day, last in counters.items():
        if day in fresh:
            row = await session.get(RequestCounter, day)
            row.last = last
        else:
            session.add(RequestCounter(day=day, last=last))
    await session.flush()
    # Written behind the ORM's back: the dashboard's day rows of the year made before the commit.
    # And every request's row for the figures, made here at once (not a request at a time).
    await session.run_sync(lambda s: facts.rebuild(s.connection()))
    first = local_day(start)
    daily.touch(session.sync_session, {first + timedelta(days=n) for n in range(DAYS + 2)})
    # On PostgreSQL, what autovacuum would do later, done now: the trigram indexes' pending
    # lists merged (a bulk load leaves every new row in them, read one by one: 0.3 s a search
    # instead of 0.5 ms), and the planner's statistics (without them it scans for the search).
    # Not on SQLite: its statistics (no histograms) take the status index for 14,000 rows a
    # value, and the queues would scan the year instead of reading its few open requests.
    if session.bind.dialect.name == "postgresql":
        await session.execute(text(CLEAN_PENDING))
        await session.execute(text("ANALYZE"))
    return count


async def _write(session: AsyncSession, requests: list[dict], events: list[dict]) -> None:
    if requests:
        await session.execute(insert(HotlineRequest.__table__), requests)
    if events:
        await session.execute(insert(RequestEvent.__table__), events)
    requests.clear()
    events.clear()


def _request(rng, category, community: OrgUnit, people: dict, received, now):
    """One request's row and its timeline, as far as it got by `now`."""
    hours = category.time_limit_hours
    dispatcher, worker = people["dispatcher"], people[community.id]
    name = rng.choice(names.SURNAMES) + rng.choice(names.GIVEN_MALE + names.GIVEN_FEMALE)
    request = {
        "id": uuid4(),
        "channel": rng.choice(("phone", "phone", "phone", "web", "walk_in")),
        "caller_name": name,
        "caller_phone": _phone(rng),
        "address": f"{community.name}{rng.choice(names.STREETS)}{rng.randint(1, 200)}号"
        f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(1, 7)}0{rng.randint(1, 4)}室",
        "resident_id": None,
        "category_code": category.code,
        "department_id": None,
        "description": rng.choice(CALLS.get(category.programme, ["其他诉求"])),
        "community_id": community.id,
        "unit_id": None,
        "level": "community",
        "received_at": received,
        "due_at": received + timedelta(hours=hours),
        "warning_at": received + timedelta(hours=hours * 0.8),
        "assignee_id": None,
        "visit_id": None,
        "resolved_at": None,
        "verified_at": None,
        "feedback": "",
        "rating": None,
        "rating_comment": "",
        "closed_at": None,
        "reopened": 0,
        "escalations": 0,
        "repeat_of": None,
        "merged_into": None,
        "urges": 0,
        "created_by": dispatcher.id,
    }

    def within(share: float) -> timedelta:  # a step taken in time: part of its stage's limit
        return timedelta(hours=max(hours * share, 0.25) * rng.uniform(0.1, 0.9))

    # When each step is taken, as a working office takes them: each within its stage limit.
    dispatched = received + within(STAGE_SHARE[S.RECEIVED])
    resolved = dispatched + within(STAGE_SHARE[S.IN_PROGRESS])
    verified = resolved + within(STAGE_SHARE[S.RESOLVED])
    closed = verified + within(STAGE_SHARE[S.VERIFIED])
    # A few of the last days' requests stall where they are (nobody took the next step):
    # those fall overdue, and the clock walk escalates them.
    if now - received < timedelta(days=OPEN_DAYS) and rng.random() < STALLED:
        now = received + (now - received) * rng.random()
    reached = [
        (when, status)
        for when, status in (
            (received, S.RECEIVED),
            (dispatched, S.IN_PROGRESS),
            (resolved, S.RESOLVED),
            (verified, S.VERIFIED),
            (closed, S.CLOSED),
        )
        if when <= now
    ]
    stage, status = reached[-1]
    steps: list[tuple[str, datetime, dict, str]] = [
        ("received", received, {"channel": request["channel"]}, request["description"])
    ]
    if status != S.RECEIVED:
        request |= {"unit_id": community.id, "assignee_id": worker.id}
        where = {"unit": community.code, "level": "community", "community": community.code}
        steps.append(("dispatched", dispatched, where, ""))
        steps.append(("assigned", dispatched, {"assignee_id": str(worker.id)}, ""))
        steps.append(("started", dispatched, {}, ""))
    if status in (S.RESOLVED, S.VERIFIED, S.CLOSED):
        request["resolved_at"] = resolved
        steps.append(("resolved", resolved, {}, "已处理完毕"))
    if status in (S.VERIFIED, S.CLOSED):
        request["verified_at"] = verified
        steps.append(("verified", verified, {}, ""))
    if status == S.CLOSED:
        score = rng.choice(RATINGS)
        request |= {"closed_at": closed, "feedback": "已电话回访告知处理结果", "rating": score}
        steps.append(("feedback_given", closed, {}, "已电话回访告知处理结果"))
        steps.append(("rated", closed, {"score": score}, ""))
        steps.append(("closed", closed, {}, ""))
    share = STAGE_SHARE.get(status)
    request |= {
        "status": status,
        "stage_started_at": stage,
        "stage_due_at": stage + timedelta(hours=max(hours * share, 0.25)) if share else None,
        "rev": 1 + len(steps),
    }
    events = [
        {
            "id": uuid4(),
            "request_id": request["id"],
            "ordinal": ordinal,
            "at": at,
            "actor_id": (worker if action in ("started", "resolved") else dispatcher).id,
            "actor_code": "user",
            "action": action,
            "note": note,
            "params": params,
        }
        for ordinal, (action, at, params, note) in enumerate(steps, start=2)
    ]
    return request, events
