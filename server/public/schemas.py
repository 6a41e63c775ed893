"""What residents without an account send and are told: the public request, its receipt, the
tracking view (nothing of staff but a role, nothing of other residents), the catalogue."""

from datetime import datetime
from typing import Annotated

import msgspec

from shared.requests import RequestStatus


class PublicRequestCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A resident reports a problem themselves."""

    caller_name: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    caller_phone: Annotated[str, msgspec.Meta(min_length=5, max_length=40, pattern=r"^[0-9+\- ]+$")]
    address: Annotated[str, msgspec.Meta(min_length=2, max_length=200)]
    category_code: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
    description: Annotated[str, msgspec.Meta(min_length=2, max_length=4000)]


class PublicReceiptPublic(msgspec.Struct, kw_only=True):
    """What a resident keeps: the number to read out, and the private token to follow it by."""

    number: str  # YYMMDD-NNNN, to read out on the phone
    tracking_token: str  # shown once; the server keeps only its hash
    tracking_url: str  # the page that follows the request: /public/track/{tracking_token}
    repeat_of: str | None = None  # the number of an earlier request of this phone and category


class PublicRatingBody(msgspec.Struct, forbid_unknown_fields=True):
    """The resident's rating: 3–5 closes the request, 1–2 reopens it."""

    score: Annotated[int, msgspec.Meta(ge=1, le=5)]
    comment: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class PublicStepPublic(msgspec.Struct, kw_only=True):
    """One step of the request, as the resident sees it."""

    at: datetime  # when (UTC)
    action: str  # received, dispatched, assigned, … (the hotline's step codes)
    action_words: str  # the step in words (Chinese)
    by: str  # who, as a role only: "resident", "dispatcher", "worker", "system", …
    by_words: str  # the same in words (Chinese)
    note: str  # their own words, the community it went to, what was done, what they were told


class PublicRequestViewPublic(msgspec.Struct, kw_only=True):
    """A request as its resident follows it: no staff names or phones, no other person."""

    number: str  # the request's number
    status: RequestStatus  # received → dispatched → … → closed
    status_words: str  # the status in words (Chinese)
    category_code: str  # the service category
    category: str  # the category in words (Chinese)
    category_en: str  # the category in English
    community: str | None  # the community workstation that has it; none until placed
    received_at: datetime  # when it came in (UTC)
    due_at: datetime  # when it must be done by (UTC)
    closed_at: datetime | None  # when it closed
    rating: int | None  # the resident's rating, once given
    may_rate: bool  # whether a rating is awaited now (the resident was told the outcome)
    timeline: list[PublicStepPublic]  # its steps, oldest first
    # Merged as a repeat: the main request it is handled with, followed here (its steps
    # without notes: they may be another resident's words).
    main: "PublicRequestViewPublic | None" = None


class PublicCategoryPublic(msgspec.Struct, kw_only=True):
    """A service residents may ask for, and how long it may take."""

    code: str  # e.g. "repair.water"
    name_zh: str  # name in Chinese
    name_en: str  # name in English
    programme: str  # the programme it belongs to
    department: str  # the department that answers for it
    time_limit_hours: int  # the time limit from report to done (a day limit: days × 24)
    time_limit_days: int | None = None  # the limit in working days, when it is one
    time_limit: str = ""  # the limit in words ("3 个工作日", "24 小时")


class WorkstationPublic(msgspec.Struct, kw_only=True):
    """A community's workstation and the subdistrict service office above it."""

    code: str  # the community's code, e.g. "D01-S01-C01"
    community: str  # the community's name
    workstation: str  # the workstation's name
    subdistrict: str  # the subdistrict's name
    service_office: str  # the subdistrict service office's name
