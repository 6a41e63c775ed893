"""The service catalogue's table, edited as data."""

from typing import Any
from uuid import UUID, uuid4

from sqlmodel import Field, SQLModel

from server.catalogue.schemas import ServiceCategoryPublic
from server.records import Place, declare
from server.records.keys import key
from shared.permissions import Actor, holds_catalogue


class ServiceCategory(SQLModel, table=True):
    __tablename__ = "service_category"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    code: str = Field(max_length=60, unique=True, index=True)
    name_zh: str = Field(max_length=120)
    name_en: str = Field(max_length=120)
    programme: str = Field(max_length=40)
    department: str = Field(max_length=120)
    time_limit_hours: int  # the limit in calendar hours (for a limit in working days: days × 24)
    # Set: the limit is this many working days on the official calendar (shared/workdays.py).
    time_limit_days: int | None = None
    active: bool = True


def _holds_category(actor: Actor, row: Any, place: Place) -> bool:
    """every phone granted the catalogue (every role)"""
    return holds_catalogue(actor)


RECORDS = [
    declare(
        ServiceCategory,
        entity="service_category",
        public=ServiceCategoryPublic,
        keys=lambda get: {key("catalogue")},
        sees=_holds_category,
        label="the service catalogue",
    )
]
