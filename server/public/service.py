"""Residents without an account: a request reported through the public pages (or Open311),
its private tracking token, what its resident may see of it, and their rating. Intake and the
rating are the hotline's own (`server.hotline.service`); this module adds the token and cuts
the request down to what its resident may see."""

import hashlib
import hmac
import re
import secrets
import unicodedata
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.tables import User
from server.catalogue.limits import limit_words
from server.catalogue.tables import ServiceCategory
from server.errors import Refusal
from server.hotline import service as hotline
from server.hotline.tables import HotlineRequest, RequestEvent
from server.org.service import all_units
from server.public.schemas import (
    PublicCategoryPublic,
    PublicRequestViewPublic,
    PublicStepPublic,
    WorkstationPublic,
)
from server.public.tables import RequestTracking
from shared import words
from shared.enums import OrgLevel
from shared.phones import read_phone
from shared.requests import RequestStatus

TOKEN_BYTES = 32  # 256 bits of randomness; the server keeps only the SHA-256
MAX_TOKEN_LENGTH = 100
# Digits that look like a phone number, in what staff wrote to the resident.
PHONE_LIKE = re.compile(r"\+?\d[\d\- ]{5,}\d")
# The steps whose note the resident may read: their own words, and what they were told.
NOTES_SHOWN = {"received", "feedback_given", "rated"}
NO_SUCH_LINK = "No request has this tracking link."
NO_SUCH_REQUEST = "No request has this number and phone."
# Compared against when no request has the number, so that a wrong number costs what a wrong
# phone does (one indexed read, two phones read, one constant-time comparison).
DECOY_PHONE = "13800000000"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def submit(
    session: AsyncSession, values: dict[str, Any], source: str, now: datetime
) -> tuple[HotlineRequest, str]:
    """Register the request through the hotline's intake (channel `web`, no account: placed
    by its address, or left at district level for the dispatcher) and give it a new token."""
    request = await hotline.create(session, None, {**values, "channel": "web"}, now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        RequestTracking(
            request_id=request.id, token_hash=token_hash(token), source=source, created_at=now
        )
    )
    await session.flush()
    return request, token


async def earlier_number(session: AsyncSession, request: HotlineRequest) -> str | None:
    """The number of the earlier request this one repeats (`repeat_of`), if any: the caller
    made both, so they may know it."""
    earlier = await session.get(HotlineRequest, request.repeat_of) if request.repeat_of else None
    return earlier.number if earlier else None


async def by_token(session: AsyncSession, token: str) -> HotlineRequest:
    """The request this token follows; 404 `not_found`, the same for any wrong token."""
    digest = token_hash(token[:MAX_TOKEN_LENGTH])
    found = await session.scalar(
        select(RequestTracking).where(RequestTracking.token_hash == digest)
    )
    # The lookup is by the hash of a 256-bit secret; the comparison is constant-time anyway.
    if found is None or not hmac.compare_digest(found.token_hash, digest):
        raise Refusal("not_found", NO_SUCH_LINK, 404)
    request = await session.get(HotlineRequest, found.request_id)
    if request is None:
        raise Refusal("not_found", NO_SUCH_LINK, 404)
    return request


def request_number(text: str) -> str:
    """A request's number as people type it: full-width digits, other dashes, spaces, or the
    ten digits without the dash ("2612030001") read as YYMMDD-NNNN."""
    plain = unicodedata.normalize("NFKC", text)
    plain = re.sub(r"[\u2010-\u2015\u2212\ufe63]", "-", plain)
    plain = re.sub(r"\s+", "", plain)[:40]
    if re.fullmatch(r"[0-9]{10}", plain):
        plain = f"{plain[:6]}-{plain[6:]}"
    return plain


async def by_number_and_phone(session: AsyncSession, number: str, phone: str) -> HotlineRequest:
    """The request with this number whose caller's phone is this phone (however either is
    typed); 404 `not_found` with one answer for every miss: an unknown number, another phone,
    a phone that is no number, and about the same work for each."""
    request = await session.scalar(
        select(HotlineRequest).where(HotlineRequest.number == request_number(number))
    )
    kept = read_phone(request.caller_phone if request else DECOY_PHONE).number or ""
    given = read_phone(phone).number or "-"  # "-" never equals a number read
    same = hmac.compare_digest(kept.encode(), given.encode())
    if request is None or not same:
        raise Refusal("not_found", NO_SUCH_REQUEST, 404)
    return request


async def rate(
    session: AsyncSession, token: str, score: int, comment: str, now: datetime
) -> HotlineRequest:
    """The resident's rating, by the hotline's rule: 3–5 closes, 1–2 reopens."""
    request = await by_token(session, token)
    return await hotline.rate(session, None, request, score, comment, now)


def masked(text: str) -> str:
    """The text with every phone-like run of digits replaced: what staff or a caller typed may
    name a phone number, and a public answer shows none."""
    return PHONE_LIKE.sub("***", text)


async def _staff(
    session: AsyncSession, events: list[RequestEvent], assignee: UUID | None
) -> tuple[dict[UUID, str], list[str]]:
    """The roles of the people who took the steps, and the names of everyone of staff the
    request names (to be taken out of what they wrote)."""
    people = {e.actor_id for e in events if e.actor_id} | ({assignee} if assignee else set())
    if not people:
        return {}, []
    rows = await session.execute(
        select(User.id, User.role, User.display_name).where(User.id.in_(people))
    )
    roles, names = {}, []
    for user_id, role, name in rows.all():
        roles[user_id] = role
        # "网格员 张伟": the whole, and the person's own name after the title.
        names += [
            part
            for part in {name.strip(), name.split()[-1] if name.split() else ""}
            if len(part) >= 2
        ]
    return roles, names


def scrubbed(text: str, names: list[str]) -> str:
    """What staff wrote, as the resident may read it: no phone number, no staff name."""
    text = masked(text)
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, "***")
    return text


async def view(
    session: AsyncSession, request: HotlineRequest, lang: str = "zh"
) -> PublicRequestViewPublic:
    """The request as its resident follows it: steps in words, staff only as roles, notes
    only where they are the resident's own words or what the resident was told."""
    tr = words.translator("public", lang)
    events = list(
        (
            await session.scalars(
                select(RequestEvent)
                .where(RequestEvent.request_id == request.id)
                .order_by(RequestEvent.ordinal)
            )
        ).all()
    )
    roles, staff_names = await _staff(session, events, request.assignee_id)
    units = await all_units(session)
    names = {u.code: u.name for u in units.values()}
    steps = []
    for event in events:
        if event.action == "noted":
            continue  # the office's own note (an old department text), not a step of the work
        if event.actor_code == "caller":
            by = "resident"
        elif event.actor_id is not None:
            role = roles.get(event.actor_id, "staff")
            by = role if words.has(f"public.by_{role}") else "staff"
        else:
            by = "system"
        note = ""
        if event.action in NOTES_SHOWN:
            note = event.note if event.actor_code == "caller" else scrubbed(event.note, staff_names)
        if event.action == "resolved" and event.note.strip():
            # What was done: the worker's (or the department's) own summary of the work.
            note = tr("n_resolved", summary=scrubbed(event.note, staff_names))
        if event.action == "rated" and event.params.get("score"):
            note = " · ".join(filter(None, [tr("n_rated", score=event.params["score"]), note]))
        if event.action == "dispatched" and event.params.get("community"):
            note = tr("n_dispatched", community=names.get(event.params["community"], ""))
        steps.append(
            PublicStepPublic(
                at=event.at,
                action=event.action,
                action_words=tr("a_" + event.action),
                by=by,
                by_words=tr("by_" + by),
                note=note,
            )
        )
    category = await session.scalar(
        select(ServiceCategory).where(ServiceCategory.code == request.category_code)
    )
    unit = units.get(request.community_id) if request.community_id else None
    return PublicRequestViewPublic(
        number=request.number,
        status=RequestStatus(request.status),
        status_words=tr("s_" + request.status),
        category_code=request.category_code,
        category=category.name_zh if category else request.category_code,
        category_en=category.name_en if category else request.category_code,
        community=unit.name if unit else None,
        received_at=request.received_at,
        due_at=request.due_at,
        closed_at=request.closed_at,
        rating=request.rating,
        may_rate=request.status == RequestStatus.FEEDBACK_GIVEN,
        timeline=steps,
        main=await _main(session, request, lang),
    )


async def _main(
    session: AsyncSession, request: HotlineRequest, lang: str
) -> PublicRequestViewPublic | None:
    """The main request a merged repeat is handled with, as its caller may follow it: no
    rating from here, no notes (they may be another resident's words)."""
    main = await session.get(HotlineRequest, request.merged_into) if request.merged_into else None
    if main is None:
        return None
    shown = await view(session, main, lang)
    steps = [msgspec.structs.replace(step, note="") for step in shown.timeline]
    return msgspec.structs.replace(shown, may_rate=False, rating=None, timeline=steps)


async def catalogue(session: AsyncSession, lang: str = "zh") -> list[PublicCategoryPublic]:
    """The services on offer, with their time limits (in words: working days or hours)."""
    return [
        PublicCategoryPublic(
            code=c.code,
            name_zh=c.name_zh,
            name_en=c.name_en,
            programme=c.programme,
            department=c.department,
            time_limit_hours=c.time_limit_hours,
            time_limit_days=c.time_limit_days,
            time_limit=limit_words(c, lang),
        )
        for c in await hotline.categories(session)
        if c.active
    ]


async def workstations(
    session: AsyncSession, community_code: str | None = None, lang: str = "zh"
) -> list[WorkstationPublic]:
    """Every community's workstation and service office (or the one community named)."""
    tr = words.translator("public", lang)
    units = await all_units(session)
    found = []
    for unit in sorted(units.values(), key=lambda u: u.path):
        if unit.level != OrgLevel.COMMUNITY:
            continue
        if community_code and unit.code != community_code:
            continue
        parent = units.get(unit.parent_id) if unit.parent_id else None
        subdistrict = parent.name if parent else ""
        found.append(
            WorkstationPublic(
                code=unit.code,
                community=unit.name,
                workstation=tr("workstation_name", community=unit.name),
                subdistrict=subdistrict,
                service_office=tr("office_name", subdistrict=subdistrict),
            )
        )
    if community_code and not found:
        raise Refusal("not_found", "No community with that code.", 404)
    return found
