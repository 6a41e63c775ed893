"""What the API and the change feed show of the org tree."""

from uuid import UUID

from server.schemas import Public
from shared.enums import OrgLevel


class OrgUnitRefPublic(Public):
    """An org unit named inside another answer (a signed-in user's unit, a request's community)."""

    id: UUID  # the unit's id
    code: str  # e.g. "D01-S01-C01"
    name: str  # the unit's name


class OrgUnitPublic(Public):
    """An org unit in full: the feed entity `org_unit`, and GET /api/v1/org-units."""

    id: UUID  # the unit's id
    code: str  # e.g. "D01-S01-C01"
    name: str  # the unit's name
    level: OrgLevel  # district, subdistrict or community
    parent_id: UUID | None  # the unit above; none for the district
    path: str  # the codes from the top down, e.g. "D01/D01-S01/D01-S01-C01"
    budget_cny: float  # the unit's yearly fund, in yuan


class DepartmentPublic(Public):
    """A member department: GET /api/v1/departments, and the department a request is routed to."""

    id: UUID  # the department's id
    code: str  # e.g. "DEP01"
    name: str  # its Chinese name, e.g. "水务局"
    name_en: str  # its English name
