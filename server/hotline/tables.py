"""Hotline requests, their timelines, and the daily counter behind their numbers."""

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from server.db.types import UTCDateTime
from server.hotline.schemas import RequestRecordPublic
from server.records import Place, declare
from server.records.keys import UNPLACED, key
from shared.permissions import Actor, sees_request

# The console's search looks for a substring of these (`server/console/listing.py`).
SEARCHED = ("number", "caller_phone", "caller_name", "address", "description")


def _trigram_indexes() -> tuple[Index, ...]:
    """On PostgreSQL a trigram index (pg_trgm, GIN) on each searched column, so that
    `ILIKE '%…%'` is an index look-up, not a scan of a year's requests (migration 0021);
    SQLite has none (its scan is measured in docs/benchmarks.md)."""
    return tuple(
        Index(
            f"ix_hotline_request_{name}_trgm",
            name,
            postgresql_using="gin",
            postgresql_ops={name: "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql")
        for name in SEARCHED
    )


class HotlineRequest(SQLModel, table=True):
    __tablename__ = "hotline_request"
    # The lists' order, newest first and then by id (`server/console/listing.py`), read off one
    # index; and the search's trigram indexes (migration 0021).
    __table_args__ = (
        Index("ix_hotline_request_received_at", "received_at", "id"),
        *_trigram_indexes(),
        # A list of one place's requests in one status (closed requests of a subdistrict:
        # both OR branches of "placed there" read off an index) and the inspection list's
        # "rated poorly" (migration 0022).
        Index("ix_hotline_request_community_status", "community_id", "status"),
        Index("ix_hotline_request_unit_status", "unit_id", "status"),
        Index("ix_hotline_request_rating", "rating"),
        # A search of one or two characters on SQLite: callers whose name starts so (migration
        # 0023); PostgreSQL's trigram index answers the anchored ILIKE it asks instead.
        Index("ix_hotline_request_caller_name", "caller_name").ddl_if(dialect="sqlite"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    number: str = Field(max_length=20, unique=True, index=True)  # read out on the phone
    channel: str = Field(max_length=20)
    caller_name: str = Field(max_length=80)
    caller_phone: str = Field(max_length=40)
    address: str = Field(max_length=200)
    resident_id: UUID | None = Field(default=None, foreign_key="resident.id", index=True)
    category_code: str = Field(max_length=60, index=True)
    # The member department it is routed to: its staff accept, resolve, transfer or return it.
    department_id: UUID | None = Field(default=None, foreign_key="department.id", index=True)
    description: str = ""
    community_id: UUID | None = Field(default=None, foreign_key="org_unit.id", index=True)
    # The office that holds it: the subdistrict or community it was sent to (none: the
    # district). A department's request is held by the unit that sent it there.
    unit_id: UUID | None = Field(default=None, foreign_key="org_unit.id", index=True)
    level: str = Field(default="community", max_length=20)  # who answers for it now
    status: str = Field(max_length=20, index=True)
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    # 预警: when 80 % of the limit is gone (shared/workdays.py); moved with due_at by extensions
    warning_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    stage_started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    stage_due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), index=True))
    assignee_id: UUID | None = Field(default=None, foreign_key="app_user.id", index=True)
    visit_id: UUID | None = None
    resolved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    verified_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    feedback: str = ""
    rating: int | None = None
    rating_comment: str = ""
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    reopened: int = 0
    escalations: int = 0
    # 重复件: an earlier request from the same phone about the same category (30 days).
    repeat_of: UUID | None = Field(default=None, foreign_key="hotline_request.id", index=True)
    # 副单: merged into this main request (主单), and closed as merged.
    merged_into: UUID | None = Field(default=None, foreign_key="hotline_request.id", index=True)
    urges: int = 0  # 催办: repeats merged into it, each a caller pressing again
    created_by: UUID | None = None
    rev: int = 1


def _request_keys(get: Any) -> set[str]:
    # Not yet placed in a community: it concerns the district's managers only.
    keys = {key("work", get("community_id") or UNPLACED)}
    if get("unit_id"):
        keys.add(key("work", get("unit_id")))
    if get("assignee_id"):
        keys.add(key("assigned", get("assignee_id")))
    return keys


def _holds_request(actor: Actor, row: Any, place: Place) -> bool:
    """managers of the community it is placed in or of the unit holding it (the district's, when
    neither); the worker assigned to it"""
    placed = place.path(row.community_id) if row.community_id else None
    holder = place.path(row.unit_id) if row.unit_id else None
    return sees_request(actor, placed, row.assignee_id, holder, row.department_id)


REQUEST = declare(
    HotlineRequest,
    entity="request",
    public=RequestRecordPublic,
    keys=_request_keys,
    sees=_holds_request,
    label="hotline requests",
)
RECORDS = [REQUEST]


class RequestEvent(SQLModel, table=True):
    """One step in a request's timeline, stored as codes; the console and the app put words to
    them (`server/console/strings.py`)."""

    __tablename__ = "request_event"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    request_id: UUID = Field(foreign_key="hotline_request.id", index=True)
    ordinal: int  # the request's rev when it happened: orders steps taken in the same instant
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    actor_id: UUID | None = None  # the person who took the step, when a person did
    actor_code: str = Field(default="user", max_length=120)  # user | system | caller
    action: str = Field(max_length=40)  # received, dispatched, … escalated (RequestAction)
    note: str = ""  # what a person wrote (a summary, a reason, a comment); never system text
    params: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )  # the step's facts as codes and ids, e.g. {"level": "subdistrict"}


class RequestCounter(SQLModel, table=True):
    """Requests received per day: numbers are YYMMDD-NNNN, short enough to read out."""

    __tablename__ = "request_counter"

    day: str = Field(primary_key=True, max_length=8)
    last: int = 0


class SupervisionNote(SQLModel, table=True):
    """A supervision note (督办) an inspector adds to a request, and the answer the responsible
    level gives; both also go on the request's timeline."""

    __tablename__ = "supervision_note"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    request_id: UUID = Field(foreign_key="hotline_request.id", index=True)
    author_id: UUID = Field(foreign_key="app_user.id")
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    text: str
    answer: str = ""
    answered_by: UUID | None = None
    answered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class RequestExtension(SQLModel, table=True):
    """A request for more time (延期申请) by the level holding a request, and the decision of
    the level above it; approved, it moves the request's due time by `days` working days."""

    __tablename__ = "request_extension"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    request_id: UUID = Field(foreign_key="hotline_request.id", index=True)
    days: int  # working days asked for
    reason: str
    level: str = Field(max_length=20)  # the level that asked (community, subdistrict, department)
    asked_by: UUID = Field(foreign_key="app_user.id")
    asked_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    status: str = Field(default="pending", max_length=20, index=True)  # pending|approved|refused
    decided_by: UUID | None = None
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    decision_reason: str = ""


class HolidayDay(SQLModel, table=True):
    """A day of the State Council's notice an admin entered: a holiday (off, even on a weekday)
    or a 调休 working day (on, even at the weekend). It overrides the `chinese-calendar`
    package for that day, and makes its year a known one (shared/workdays.py)."""

    __tablename__ = "holiday_day"

    day: date = Field(primary_key=True)
    workday: bool = False  # True: a 调休 working day; False: a day off
    name: str = Field(default="", max_length=80)  # e.g. 春节
    created_by: UUID | None = None
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class RequestCallback(SQLModel, table=True):
    """A 回访: the hotline calls (texts, visits) the caller back and records their answers."""

    __tablename__ = "request_callback"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    request_id: UUID = Field(foreign_key="hotline_request.id", index=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    by_id: UUID = Field(foreign_key="app_user.id")  # who called back
    method: str = Field(max_length=10)  # phone | sms | visit
    reached: bool  # whether the caller answered
    resolved: bool | None = None  # the caller says the problem is solved; None: not asked
    satisfied: bool | None = None  # the caller is satisfied; None: no answer
    note: str = ""


class RequestDayFigures(SQLModel, table=True):
    """The dashboard's figures of the requests received on one local day (the district's
    zone), one row a grouping and key: kept by `server/hotline/daily.py`, which recomputes a
    day's rows in the transaction that changes one of its requests (docs/hotline.md, "The
    dashboard at volume"). Open and overdue are not here: they change with the clock, and
    are counted from the few open requests when asked."""

    __tablename__ = "request_day_figures"

    day: date = Field(primary_key=True)
    grouping: str = Field(primary_key=True, max_length=20)  # overall|category|level|…
    group_key: str = Field(primary_key=True, max_length=60)  # a code, a level, a unit's id, …
    total: int = 0  # requests received
    rated: int = 0  # of them rated
    rating_sum: int = 0  # their ratings added up (the mean is rating_sum / rated)
    satisfied: int = 0  # rated 4 or 5
    # Received to resolved, in microseconds, of each resolved one: the medians are exact.
    resolved_us: list[int] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )


class RequestFigures(SQLModel, table=True):
    """What the figures (`GET /api/v1/stats`, the reports) need of one request, worked out from
    its steps and 回访 and kept by `server/hotline/facts.py` in the transaction that changes
    them. What the clock decides is not here: it is decided when the figures are asked for."""

    __tablename__ = "request_figures"

    request_id: UUID = Field(primary_key=True)
    repeat: bool = False  # 重复件
    merged: bool = False  # a 副单: counted on its main request
    extended: bool = False  # an extension was granted
    returned: bool = False  # a department returned it
    return_approved: bool = False  # and the return was approved
    # 响应: hit (taken up in time), miss (late, or sent on first), waiting (not yet), or None
    # (never dispatched); `response_due`: when a waiting one becomes a miss.
    response: str | None = Field(default=None, max_length=8)
    response_due: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    resolution: bool | None = None  # the last 回访 answer on whether it is solved
    satisfaction: bool | None = None  # the last opinion (a rating or a 回访 answer): 满意
    closed: bool = False
    on_time: bool | None = None  # closed by its due time (closed ones only)
    first_time: bool | None = None  # closed without a reopening or a sending back
    callback: bool | None = None  # closed with a 回访 that reached the caller
