"""Open311 GeoReport v2 over the hotline: the catalogue as services, requests as service
requests (`open` or `closed`), filed through the residents' intake. GET answers never carry a
caller's name or phone. Only a request filed through Open311 itself shows its address and
description (its client filed it to be seen); any other (a call, a visit, the residents' form)
shows its community instead of its address and its category instead of what the caller said,
since those may tell where someone vulnerable lives."""

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from litestar import Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalogue.limits import notice_words
from server.catalogue.tables import ServiceCategory
from server.errors import ProblemError
from server.hotline import service as hotline
from server.hotline.tables import HotlineRequest, RequestEvent
from server.open311.tables import Open311Place
from server.org.service import all_units, departments
from server.public import service as public
from server.public.tables import RequestTracking
from shared import words
from shared.instants import parse_instant
from shared.localtime import to_local
from shared.requests import RequestStatus

DEFAULT_DAYS = 90  # no dates given: the last 90 days
MAX_REQUESTS = 1000  # at most this many, newest first
MAX_IDS = 200  # service_request_id lists are cut here


def bad_request(description: str) -> ProblemError:
    return ProblemError(400, "invalid_request", description)


def parse_time(value: str | None, name: str) -> datetime | None:
    """A w3c/ISO 8601 time with Z or its offset, between 1970 and 2200; 400 for anything
    else (a time without its zone is ambiguous between the client's and ours)."""
    if not value:
        return None
    try:
        return parse_instant(name, value)
    except ValueError as refused:
        raise bad_request(f"{refused}, e.g. 2010-01-01T00:00:00Z") from None


def _list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _iso(moment: datetime | None, zone: str) -> str | None:
    return to_local(moment, zone).isoformat(timespec="seconds") if moment else None


async def services(session: AsyncSession, lang: str) -> list[dict[str, Any]]:
    """GET services.json: each category of the catalogue as a realtime service."""
    return [
        {
            "service_code": c.code,
            "service_name": c.name_zh if lang == "zh" else c.name_en,
            "description": f"{c.name_zh if lang == 'zh' else c.name_en} · {c.department} · "
            + notice_words(c, lang),
            "metadata": False,
            "type": "realtime",
            "keywords": ",".join([c.code.replace(".", ","), c.programme]),
            "group": c.programme,
        }
        for c in await hotline.categories(session)
        if c.active
    ]


async def category(session: AsyncSession, code: str) -> ServiceCategory:
    found = await session.scalar(select(ServiceCategory).where(ServiceCategory.code == code))
    if found is None or not found.active:
        raise ProblemError(404, "not_found", f"service_code {code!r} not found")
    return found


async def search(
    session: AsyncSession, query: dict[str, str | None], now: datetime
) -> list[HotlineRequest]:
    """GET requests.json with the spec's filters: service_request_id (a comma list, which
    overrides the rest), service_code (a comma list), start_date, end_date, status
    (open/closed, a comma list). Without dates: the last 90 days. At most 1000, newest first."""
    numbers = _list(query.get("service_request_id"))[:MAX_IDS]
    select_requests = select(HotlineRequest)
    if numbers:
        select_requests = select_requests.where(HotlineRequest.number.in_(numbers))
    else:
        start = parse_time(query.get("start_date"), "start_date")
        end = parse_time(query.get("end_date"), "end_date")
        if start is None and end is None:
            start = now - timedelta(days=DEFAULT_DAYS)
        if start is not None:
            select_requests = select_requests.where(HotlineRequest.received_at >= start)
        if end is not None:
            select_requests = select_requests.where(HotlineRequest.received_at <= end)
        codes = _list(query.get("service_code"))
        if codes:
            select_requests = select_requests.where(HotlineRequest.category_code.in_(codes))
        statuses = set(_list(query.get("status")))
        if statuses - {"open", "closed"}:
            raise bad_request("status is open or closed (or both, comma-separated)")
        if statuses == {"open"}:
            select_requests = select_requests.where(HotlineRequest.status != RequestStatus.CLOSED)
        elif statuses == {"closed"}:
            select_requests = select_requests.where(HotlineRequest.status == RequestStatus.CLOSED)
    rows = await session.scalars(
        select_requests.order_by(HotlineRequest.received_at.desc()).limit(MAX_REQUESTS)
    )
    return list(rows.all())


async def by_number(session: AsyncSession, number: str) -> HotlineRequest:
    found = await session.scalar(select(HotlineRequest).where(HotlineRequest.number == number[:20]))
    if found is None:
        raise ProblemError(404, "not_found", f"service_request_id {number!r} not found")
    return found


async def read_form(request: Request) -> tuple[dict[str, str], Any]:
    """A POST's text members, form-encoded or multipart, and its `media` part (or None)."""
    form = await request.form()
    text = {k: v for k, v in form.items() if isinstance(v, str) and k != "media"}
    return text, form.get("media")


async def shown(
    session: AsyncSession, requests: list[HotlineRequest], zone: str, lang: str, base: str = ""
) -> list[dict[str, Any]]:
    """The requests in the spec's fields; never a caller's name or phone."""
    if not requests:
        return []
    tr = words.translator("public", lang)
    ids = [r.id for r in requests]
    updated = dict(
        (
            await session.execute(
                select(RequestEvent.request_id, func.max(RequestEvent.at))
                .where(RequestEvent.request_id.in_(ids))
                .group_by(RequestEvent.request_id)
            )
        ).all()
    )
    filed_here = set(
        (
            await session.scalars(
                select(RequestTracking.request_id).where(
                    RequestTracking.request_id.in_(ids), RequestTracking.source == "open311"
                )
            )
        ).all()
    )
    places = {
        place.request_id: place
        for place in (
            await session.scalars(select(Open311Place).where(Open311Place.request_id.in_(ids)))
        ).all()
    }
    categories = {c.code: c for c in await hotline.categories(session)}
    units = await all_units(session)
    members = {d.id: d.name if lang == "zh" else d.name_en for d in await departments(session)}
    answers = []
    for request in requests:
        found = categories.get(request.category_code)
        name = (
            (found.name_zh if lang == "zh" else found.name_en) if found else request.category_code
        )
        unit = units.get(request.community_id) if request.community_id else None
        place = unit.name if unit else ""
        public_door = request.id in filed_here
        given = places.get(request.id)
        notes = tr("s_" + request.status)
        if request.rating:
            notes += " · " + tr("n_rated", score=request.rating)
        answers.append(
            {
                "service_request_id": request.number,
                "status": "closed" if request.status == RequestStatus.CLOSED else "open",
                "status_notes": notes,
                "service_name": name,
                "service_code": request.category_code,
                "description": public.masked(request.description) if public_door else name,
                "agency_responsible": members.get(request.department_id)
                or place
                or tr("district_platform"),
                "service_notice": notice_words(found, lang) if found else "",
                "requested_datetime": _iso(request.received_at, zone),
                "updated_datetime": _iso(updated.get(request.id, request.received_at), zone),
                "expected_datetime": _iso(request.due_at, zone),
                "address": public.masked(request.address) if public_door else place,
                "address_id": given.address_id if given else None,
                "zipcode": None,
                "lat": given.lat if given else None,
                "long": given.long if given else None,
                "media_url": _media_url(given, base) if public_door else None,
            }
        )
    return answers


def _media_url(given: Open311Place | None, base: str) -> str | None:
    if given is None:
        return None
    if given.media_sha256:
        return f"{base}/open311/v2/media/{given.media_sha256}"
    return given.media_url


def _given_media_url(form: dict[str, str]) -> str | None:
    """The spec's `media_url` argument: a photo the client keeps elsewhere, an http(s) URL."""
    url = form.get("media_url", "").strip()
    if not url:
        return None
    if (
        len(url) > 500
        or not url.lower().startswith(("https://", "http://"))
        or any(c.isspace() or ord(c) < 32 for c in url)
    ):
        raise bad_request("media_url is an http or https URL of at most 500 characters")
    return url


async def media_of(session: AsyncSession, sha256: str) -> Open311Place:
    """The request a photo was sent with; 404 for any other hash (a phone's photos included)."""
    found = await session.scalar(
        select(Open311Place).where(Open311Place.media_sha256 == sha256[:64]).limit(1)
    )
    if found is None:
        raise ProblemError(404, "not_found", "No Open311 request has this photo.")
    return found


async def file(
    session: AsyncSession,
    form: dict[str, str],
    client_name: str,
    now: datetime,
    lang: str,
    keep_photo: Callable[[], Awaitable[tuple[str, str]]] | None = None,
) -> dict[str, Any]:
    """POST requests.json: a service request from an Open311 client, through the residents'
    intake. Needs service_code and a place (address_string, or lat and long)."""
    tr = words.translator("public", lang)
    code = form.get("service_code", "").strip()
    if not code:
        raise bad_request("service_code is required")
    found = await category(session, code)
    address = form.get("address_string", "").strip()
    lat, long = form.get("lat", "").strip(), form.get("long", "").strip()
    lat_f = long_f = None
    address_id = form.get("address_id", "").strip()[:80] or None
    if lat or long:
        try:
            lat_f, long_f = float(lat), float(long)
        except ValueError:
            raise bad_request("lat and long are decimal degrees, both given") from None
        if not (-90 <= lat_f <= 90 and -180 <= long_f <= 180):
            raise bad_request("lat and long are out of range")
        address = address or f"{lat_f:.6f},{long_f:.6f}"
    elif not address and form.get("address_id", "").strip():
        address = form["address_id"].strip()
    if not address:
        raise bad_request("a location is required: address_string, or lat and long")
    media_url = _given_media_url(form)
    # The photo is checked and kept only once the rest of the request is known to be good.
    sha256, media_type = (await keep_photo()) if keep_photo else (None, None)
    description = form.get("description", "").strip() or found.name_zh
    person = (form.get("last_name", "").strip() + form.get("first_name", "").strip()).strip()
    values = {
        "caller_name": (person or tr("open311_caller", name=client_name))[:80],
        "caller_phone": (form.get("phone", "").strip() or form.get("email", "").strip())[:40],
        "address": address[:200],
        "category_code": found.code,
        "description": description[:4000],
    }
    request, _ = await public.submit(session, values, "open311", now)
    if any(v is not None for v in (lat_f, address_id, sha256, media_url)):
        session.add(
            Open311Place(
                request_id=request.id,
                lat=lat_f,
                long=long_f,
                address_id=address_id,
                media_sha256=sha256,
                media_type=media_type,
                media_url=media_url,
            )
        )
    return {
        "service_request_id": request.number,
        "service_notice": notice_words(found, lang),
        "account_id": None,
    }
