"""What the API and the change feed show of the service catalogue."""

from typing import Any, Literal, Self
from uuid import UUID

import msgspec

from server.schemas import Public
from shared import words


class ProgrammePublic(msgspec.Struct, kw_only=True):
    """One of the district's eight key service programmes: the catalogue's top level."""

    code: str  # e.g. "elderly" (shared/catalogue.py PROGRAMMES)
    name: str  # its name in Chinese, e.g. "居家养老"
    name_en: str  # its name in English

    @classmethod
    def of(cls, code: str) -> "ProgrammePublic":
        key = f"console.prog_{code}"
        return cls(code=code, name=words.word(key, "zh"), name_en=words.word(key, "en"))


class TimeLimitPublic(msgspec.Struct, kw_only=True):
    """A category's time limit: calendar hours, or working days on the official calendar."""

    value: int  # how many
    unit: Literal["working_days", "hours"]  # of what


class ServiceCategoryPublic(Public):
    """A kind of service or hotline request: the feed entity `service_category`."""

    id: UUID  # the category's id
    code: str  # stable dotted code, e.g. "elderly.care"
    name_zh: str  # name in Chinese
    name_en: str  # name in English
    programme: ProgrammePublic  # the key programme it belongs to
    department: str  # the department that answers for it
    time_limit: TimeLimitPublic  # how long a request of this kind may stay open
    # The same limit in calendar hours, as v1 and v2 had it (for working days: days × 24)
    time_limit_hours: int
    active: bool  # offered now

    @classmethod
    def from_row(cls, row: Any) -> Self:
        days = row.time_limit_days
        limit = {"value": days, "unit": "working_days"} if days else None
        return msgspec.convert(
            {
                "id": row.id,
                "code": row.code,
                "name_zh": row.name_zh,
                "name_en": row.name_en,
                "programme": msgspec.structs.asdict(ProgrammePublic.of(row.programme)),
                "department": row.department,
                "time_limit": limit or {"value": row.time_limit_hours, "unit": "hours"},
                "time_limit_hours": row.time_limit_hours,
                "active": row.active,
            },
            cls,
        )
