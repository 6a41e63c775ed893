"""The hotline's shapes: the bodies its API and console take, and what they answer (a
request, its timeline, the dashboard). The change feed's `request` entity is
`RequestRecordPublic`, the same fields the API answers with."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from shared.requests import Level, RequestStatus

# What the API and the console take.

Short = Annotated[str, msgspec.Meta(max_length=200)]


class RequestCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A request registered by the hotline or the console."""

    channel: Literal["phone", "web", "walk_in", "app"]
    caller_name: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    caller_phone: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    address: Short
    resident_id: UUID | None = None
    category_code: Annotated[str, msgspec.Meta(max_length=60)]
    description: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


Code = Annotated[str, msgspec.Meta(max_length=40)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


class DispatchBody(msgspec.Struct, forbid_unknown_fields=True):
    """Where to send the request: a subdistrict or community (`org_unit_code`; the older
    `community_code` still works), a member department (`department_code`), or both. Naming
    neither sends it to the community it is placed in."""

    org_unit_code: Code | None = None
    department_code: Code | None = None
    note: Annotated[str, msgspec.Meta(max_length=4000)] | None = None
    community_code: Code | None = None


class TransferBody(msgspec.Struct, forbid_unknown_fields=True):
    """A department hands the request to another department."""

    department_code: Code
    note: Annotated[str, msgspec.Meta(max_length=4000)] | None = None


class ReasonBody(msgspec.Struct, forbid_unknown_fields=True):
    """A department returns the request to the unit that sent it: the reason is required."""

    reason: Reason


class DecisionBody(msgspec.Struct, forbid_unknown_fields=True):
    """The level above decides on a return or an extension."""

    approve: bool
    reason: Annotated[str, msgspec.Meta(max_length=4000)] | None = None


class ExtensionBody(msgspec.Struct, forbid_unknown_fields=True):
    """The level holding a request asks for more time: so many working days, and why."""

    days: Annotated[int, msgspec.Meta(ge=1, le=60)]
    reason: Reason


class AcceptBody(msgspec.Struct, forbid_unknown_fields=True):
    note: Annotated[str, msgspec.Meta(max_length=4000)] | None = None


class AssignBody(msgspec.Struct, forbid_unknown_fields=True):
    assignee_id: UUID


class VerifyBody(msgspec.Struct, forbid_unknown_fields=True):
    decision: Literal["approve", "reject"]
    reason: Annotated[str, msgspec.Meta(max_length=4000)] | None = None


class NoteBody(msgspec.Struct, forbid_unknown_fields=True):
    note: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


class RatingBody(msgspec.Struct, forbid_unknown_fields=True):
    score: Annotated[int, msgspec.Meta(ge=1, le=5)]
    comment: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class CallbackBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A 回访: how the caller was called back, whether they were reached, and their answers."""

    method: Literal["phone", "sms", "visit"]
    reached: bool
    resolved: bool | None = None
    satisfied: bool | None
    note: Annotated[str, msgspec.Meta(max_length=4000)]


class MergeBody(msgspec.Struct, forbid_unknown_fields=True):
    """Merge this request (a repeat, 副单) into its main request (主单)."""

    into: UUID


# What they answer.


class RequestAction(StrEnum):
    """The steps a timeline records (stored as these codes)."""

    RECEIVED = "received"
    DISPATCHED = "dispatched"
    ASSIGNED = "assigned"
    STARTED = "started"
    RESOLVED = "resolved"
    VERIFIED = "verified"
    SENT_BACK = "sent_back"
    FEEDBACK_GIVEN = "feedback_given"
    RATED = "rated"
    CLOSED = "closed"
    REOPENED = "reopened"
    ESCALATED = "escalated"
    ACCEPTED = "accepted"  # a department took it on
    TRANSFERRED = "transferred"  # a department handed it to another
    RETURNED = "returned"  # a department gave it back to the unit that sent it
    SUPERVISED = "supervised"  # an inspector's supervision note (督办)
    ANSWERED = "answered"  # the responsible level's answer to a note
    RETURN_APPROVED = "return_approved"  # the district agreed to a department's return
    RETURN_REFUSED = "return_refused"  # the district sent it back to the department
    EXTENSION_ASKED = "extension_asked"  # the holding level asked for more time (延期申请)
    EXTENSION_APPROVED = "extension_approved"  # the level above agreed: the due time moved
    EXTENSION_REFUSED = "extension_refused"  # the level above said no
    CALLBACK = "callback"  # 回访: the caller called back and their answers recorded
    MERGED = "merged"  # merged as a repeat (副单) into a main request, and closed
    URGED = "urged"  # 催办: a repeat of it was merged into it
    # A note kept on the timeline: what migration 0020 moved there from the request's old
    # free-text department (params {"field": "department"}).
    NOTED = "noted"


class ActorCode(StrEnum):
    """Who took a step, when it was not (only) a signed-in person."""

    USER = "user"  # a signed-in person: the event's actor_id
    SYSTEM = "system"  # the server itself (escalation)
    CALLER = "caller"  # the resident, rating by number and phone


class CommunityRefPublic(msgspec.Struct, kw_only=True):
    """The community a request is placed in."""

    id: UUID  # the org unit's id
    code: str  # e.g. "D01-S01-C01"
    name: str  # the community's name


class DepartmentRefPublic(msgspec.Struct, kw_only=True):
    """The member department a request is routed to."""

    id: UUID  # the department's id
    code: str  # e.g. "DEP01"
    name: str  # e.g. "水务局"


class RequestRecordPublic(msgspec.Struct, kw_only=True):
    """A hotline request's own fields: the change feed's entity `request`."""

    id: UUID  # the request's id
    number: str  # YYMMDD-NNNN, short enough to read out on the phone
    status: RequestStatus  # received → dispatched → … → closed
    channel: str  # phone, web, walk_in or app
    caller_name: str  # who called
    caller_phone: str  # their number
    address: str  # where the problem is
    resident_id: UUID | None  # the resident, when known
    category_code: str  # the service category, e.g. "repair.water"
    department_id: UUID | None  # the member department it is routed to, if any
    unit_id: UUID | None  # the office holding it: a subdistrict or community; none: district
    description: str  # what the caller said
    community_id: UUID | None  # the community it is placed in; none until placed
    level: Level  # who answers for it now: department, community, subdistrict or district
    received_at: datetime  # when it came in
    due_at: datetime  # when it must be closed by (the category's limit, and extensions)
    warning_at: datetime | None  # 预警: when 80 % of the limit is gone (docs/hotline.md)
    stage_due_at: datetime | None  # when the current stage must be done by
    assignee_id: UUID | None  # the worker who has it; none until assigned
    visit_id: UUID | None  # the worker's visit for it
    feedback: str  # what the resident was told
    rating: int | None  # the resident's rating, 1–5
    rating_comment: str  # what the resident said with it
    closed_at: datetime | None  # when it closed
    reopened: int  # how often a poor rating reopened it
    escalations: int  # how often it went up a level for being overdue
    repeat_of: UUID | None = None  # an earlier request of the same phone and category (30 days)
    merged_into: UUID | None = None  # the main request (主单) it was merged into, closed
    urges: int = 0  # 催办: repeats merged into it
    rev: int  # bumped on every write

    @classmethod
    def from_row(cls, row: Any, **extra: Any) -> "RequestRecordPublic":
        """This struct filled from a `HotlineRequest` row (and `extra` members)."""
        fields = {name: getattr(row, name) for name in RequestRecordPublic.__struct_fields__}
        return msgspec.convert({**fields, **extra}, cls, from_attributes=True)


class RequestPublic(RequestRecordPublic, kw_only=True):
    """A hotline request as the API answers it: its fields and its community's name."""

    community: CommunityRefPublic | None  # the community it is placed in, with code and name
    held_by: CommunityRefPublic | None  # the office holding it (subdistrict or community)
    routed_department: DepartmentRefPublic | None  # the member department it is routed to
    overdue: bool  # open and past `due_at`, whatever escalation did to the stage clocks


class ExtensionPublic(msgspec.Struct, kw_only=True):
    """A request for more time (延期申请) and the decision on it."""

    id: UUID  # the extension's id
    request_id: UUID  # the request
    days: int  # working days asked for
    reason: str  # why
    level: Level  # the level that asked
    asked_by: UUID  # who asked
    asked_at: datetime  # when
    status: Literal["pending", "approved", "refused"]  # the decision so far
    decided_by: UUID | None  # who decided (the level above)
    decided_at: datetime | None  # when
    decision_reason: str  # what they said

    @classmethod
    def from_row(cls, row: Any) -> "ExtensionPublic":
        return msgspec.convert(row, cls, from_attributes=True)


class TimelineEventPublic(msgspec.Struct, kw_only=True):
    """One step of a request's timeline. `action`, `actor_code` and `params` are codes; the
    console and the app put words to them."""

    at: datetime  # when
    actor: str  # the person's display name; for no person, the actor code
    action: RequestAction  # what happened
    note: str  # what a person wrote with the step (a summary, a reason, a comment)
    actor_id: UUID | None  # the person, when a person took the step
    actor_code: ActorCode  # user, system or caller
    params: dict[str, Any]  # the step's facts (codes, ids, and the names they stand for)


class RequestDetailPublic(RequestPublic, kw_only=True):
    """A request with its timeline: GET /api/v1/requests/{id} and every action's answer."""

    timeline: list[TimelineEventPublic]  # its steps, oldest first
    supervision: list["SupervisionNotePublic"]  # inspectors' notes (督办) and their answers
    extensions: list[ExtensionPublic] = []  # requests for more time, oldest first
    callbacks: list["CallbackPublic"] = []  # 回访 records, oldest first


class RequestTimelinePublic(msgspec.Struct, kw_only=True):
    """A request's timeline alone, as the phone keeps it: GET /api/v1/requests/timelines."""

    id: UUID  # the request's id
    rev: int  # the request's `rev` the timeline was read at
    timeline: list[TimelineEventPublic]  # its steps, oldest first


class CallbackPublic(msgspec.Struct, kw_only=True):
    """A 回访 record: how, whether the caller was reached, and their answers."""

    id: UUID  # the record's id
    at: datetime  # when the caller was called back
    by_id: UUID  # who called back
    method: str  # phone, sms or visit
    reached: bool  # whether the caller answered
    resolved: bool | None  # the caller says the problem is solved; null: not asked
    satisfied: bool | None  # the caller is satisfied; null: no answer
    note: str  # what was said

    @classmethod
    def from_row(cls, row: Any) -> "CallbackPublic":
        return msgspec.convert(row, cls, from_attributes=True)


class SupervisionNotePublic(msgspec.Struct, kw_only=True):
    """An inspector's supervision note (督办) and the responsible level's answer."""

    id: UUID  # the note's id
    author_id: UUID  # the inspector
    at: datetime  # when it was written
    text: str  # what the inspector asks
    answer: str  # the answer; empty while unanswered
    answered_by: UUID | None  # who answered
    answered_at: datetime | None  # when

    @classmethod
    def from_row(cls, row: Any) -> "SupervisionNotePublic":
        return msgspec.convert(row, cls, from_attributes=True)


class AssigneePublic(msgspec.Struct, kw_only=True):
    """A person who may be given a request's work."""

    id: UUID  # the user's id
    display_name: str  # their name
    role: str  # worker or mentor


class FiguresPublic(msgspec.Struct, kw_only=True):
    """The figures of one group of requests."""

    total: int  # requests received
    open: int  # not closed yet
    overdue: int  # open and past their overall due time (`overdue`)
    median_hours_to_resolve: float | None  # of those resolved, received → resolved
    satisfaction: float | None  # the mean rating, of those rated
    rated: int  # how many were rated
    satisfaction_rate: float | None = None  # 满意率: the share of those rated that gave 4 or 5


UNPLACED = "unplaced"  # the dashboard's group of requests not yet placed in a community
UNROUTED = "none"  # the dashboard's group of requests routed to no department


class DashboardPublic(msgspec.Struct, kw_only=True):
    """Volumes, time to resolve, overdue and satisfaction, in the caller's part of the tree."""

    overall: FiguresPublic  # all of them
    by_category: dict[str, FiguresPublic]  # by category code
    by_level: dict[str, FiguresPublic]  # by the level that answers for them now
    by_subdistrict: dict[str, FiguresPublic]  # by subdistrict name; UNPLACED: not placed yet
    by_community: dict[str, FiguresPublic]  # by community name; UNPLACED: not placed yet
    by_department: dict[str, FiguresPublic]  # by department name; UNROUTED: none


class StatsRowPublic(msgspec.Struct, kw_only=True):
    """One group's figures (docs/hotline.md says how each rate is counted). A rate is 0…1, or
    null when nothing counts towards it."""

    key: str  # the group's code: a unit's or department's code, a category code, a channel
    name: str  # its name, in Chinese
    received: int  # requests received in the range
    closed: int  # of those, closed now (a merged repeat is not counted)
    response_rate: float | None  # 响应率: taken up by the level sent to within its time
    resolution_rate: float | None  # 解决率: the caller says at 回访 it is solved
    satisfaction_rate: float | None  # 满意率: satisfied, of explicit ratings and 回访 answers
    on_time_rate: float | None  # 按时办结率: closed by the due time, of closed and overdue
    first_time_rate: float | None  # 一次办结率: closed never sent back nor reopened
    callback_rate: float | None  # 回访率: the caller reached at 回访, of those closed
    repeat_rate: float | None  # 重复率: repeats of an earlier request, of those received
    extended: int  # 延期: requests given more time (an extension approved)
    returned: int  # 退单: requests a department returned (approved at 审核 or not)
    return_approved: int  # of those, returns the district approved


class StatsPublic(msgspec.Struct, kw_only=True):
    """GET /api/v1/stats: the figures by a grouping, and over all the caller sees."""

    rows: list[StatsRowPublic]  # one per group, by key
    total: StatsRowPublic  # every request in the range (key "all")
