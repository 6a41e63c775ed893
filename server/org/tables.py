"""The org tree's table."""

from typing import Any
from uuid import UUID, uuid4

from sqlmodel import Field, SQLModel

from server.org.schemas import OrgUnitPublic, OrgUnitRefPublic
from server.records import Place, declare
from server.records.keys import key
from shared.permissions import Actor, sees_unit


class OrgUnit(SQLModel, table=True):
    __tablename__ = "org_unit"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=120)
    level: str = Field(max_length=20)
    parent_id: UUID | None = Field(default=None, foreign_key="org_unit.id")
    path: str = Field(max_length=200, index=True)
    budget_cny: float = 0.0

    def public(self) -> dict[str, Any]:
        """The unit named inside another answer: id, code and name."""
        return OrgUnitRefPublic.from_row(self).to_builtins()


def _holds_unit(actor: Actor, row: Any, place: Place) -> bool:
    """its own unit (managers: every unit of their subtree; an inspector reads its subtree's
    in the browser)"""
    return sees_unit(actor, row.path)


UNIT = declare(
    OrgUnit,
    entity="org_unit",
    public=OrgUnitPublic,
    keys=lambda get: {key("unit", get("id"))},
    sees=_holds_unit,
    label="org units",
)
RECORDS = [UNIT]


class Department(SQLModel, table=True):
    """One of the district's member departments (水务局, 供热…): requests are routed to it and
    its staff (role `department`) act on them in every community."""

    __tablename__ = "department"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    code: str = Field(max_length=20, unique=True, index=True)  # DEP01…
    name: str = Field(max_length=120)  # its Chinese name
    name_en: str = Field(default="", max_length=120)
