"""What the API shows of mentoring: a family with its mentor, rhythm and totals."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from shared.instants import Instant, Timed


class PairBody(Timed, forbid_unknown_fields=True, kw_only=True):
    """Pair a mentor with a family (named by one of its residents) and set the visit rhythm."""

    resident_id: UUID
    mentor_id: UUID
    interval_days: Annotated[int, msgspec.Meta(ge=1, le=366)] = 14
    first_due: Instant | None = None


class FamilyVisitPublic(msgspec.Struct, kw_only=True):
    """One of the mentor's visits to the family."""

    id: UUID
    status: str  # the visit's status (assigned, in_progress, completed, approved…)
    due_at: datetime
    completed_at: datetime | None
    summary: str


class FamilyAssistancePublic(msgspec.Struct, kw_only=True):
    """One piece of help logged for the family."""

    id: UUID
    at: datetime
    kind: str  # what kind of help, as the mentor wrote it
    amount_cny: float | None
    description: str


class FamilyPublic(msgspec.Struct, kw_only=True):
    """A mentored family: who, its mentor, the visit rhythm, and what was done (totals)."""

    resident_id: UUID  # the resident the family was paired through
    name: str  # that resident's name
    address: str
    community_code: str
    community_name: str
    mentor_id: UUID | None
    mentor_name: str
    interval_days: int | None  # days between planned visits; null: no rhythm set
    next_due_at: datetime | None  # when the next planned visit falls due
    visits_done: int  # visits completed or approved
    visits_open: int  # visits not done yet
    assistance_count: int  # pieces of help logged
    assistance_cny: float  # their total amount, ¥
    # The household's difficulty type: a code of shared.catalogue.DIFFICULTIES (特困供养,
    # 低保, 低保边缘, …), "" when none is recorded; words: console.difficulty_<code>
    difficulty: str = ""


class FamilyDetailPublic(FamilyPublic, kw_only=True):
    """A family with its visits and assistance, newest first."""

    visits: list[FamilyVisitPublic]
    assistance: list[FamilyAssistancePublic]


class MentorPublic(msgspec.Struct, kw_only=True):
    """A person who may mentor families in a community."""

    id: UUID
    display_name: str
    community_code: str


class DifficultyBody(msgspec.Struct, forbid_unknown_fields=True):
    """The household's difficulty type: a code of shared.catalogue.DIFFICULTIES, or "" (none)."""

    difficulty: Annotated[str, msgspec.Meta(max_length=20)]
