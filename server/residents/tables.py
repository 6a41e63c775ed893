"""Residents and households. A resident's editable fields carry hybrid-logical-clock stamps."""

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from server.clock import utcnow
from server.db.types import UTCDateTime
from server.records import Place, declare
from server.records.keys import key
from server.residents.schemas import ResidentPublic
from shared.permissions import Actor, sees_resident


class Household(SQLModel, table=True):
    __tablename__ = "household"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    community_id: UUID = Field(foreign_key="org_unit.id", index=True)
    address: str = Field(max_length=200)
    low_income: bool = False
    mentored: bool = False
    mentor_id: UUID | None = Field(default=None, foreign_key="app_user.id", index=True)
    notes: str = ""
    # The household's difficulty type (shared/catalogue.py DIFFICULTIES: 特困, 低保, …); "" none
    difficulty: str = Field(default="", max_length=20)


class Resident(SQLModel, table=True):
    __tablename__ = "resident"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    name: str = Field(max_length=80)
    gender: str = Field(default="", max_length=10)
    birth_year: int | None = None
    phone: str = Field(default="", max_length=40)
    address: str = Field(default="", max_length=200)
    community_id: UUID = Field(foreign_key="org_unit.id", index=True)
    household_id: UUID | None = Field(default=None, foreign_key="household.id", index=True)
    # The household's mentor, kept here so that scope and the change feed need no join.
    mentor_id: UUID | None = Field(default=None, foreign_key="app_user.id", index=True)
    living_alone: bool = False
    low_income: bool = False
    risk_flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    notes: str = ""
    # Where the home is (WGS 84), when recorded: a visit's place is measured against it.
    lat: float | None = None
    lon: float | None = None
    # Stamp of the write that set each editable field: {"phone": "<hlc>", …}
    field_clocks: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    rev: int = 1  # bumped on every write
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


def _resident_keys(get: Any) -> set[str]:
    keys = {key("community", get("community_id"))}
    if get("mentor_id"):
        keys.add(key("mentored", get("mentor_id")))
    return keys


def _holds_resident(actor: Actor, row: Any, place: Place) -> bool:
    """the residents of its community (managers: of its subtree); a mentor, its families'"""
    return sees_resident(actor, place.path(row.community_id), row.mentor_id)


RESIDENT = declare(
    Resident,
    entity="resident",
    public=ResidentPublic,
    keys=_resident_keys,
    sees=_holds_resident,
    label="residents",
)
RECORDS = [RESIDENT]
