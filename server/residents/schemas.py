"""What the API and the change feed show of a resident."""

from uuid import UUID

from server.schemas import Public


class ResidentPublic(Public):
    """A resident: the feed entity `resident`, and every residents endpoint's answer."""

    id: UUID  # the resident's id
    name: str  # full name
    gender: str  # as recorded, may be empty
    birth_year: int | None  # year of birth, when known
    phone: str  # contact phone; merged field by field from phones
    address: str  # home address; merged field by field from phones
    community_id: UUID  # the org unit of the resident's community
    household_id: UUID | None  # the household (family) the resident belongs to
    mentor_id: UUID | None  # the household's party-member mentor, if any
    living_alone: bool  # lives alone; merged field by field from phones
    low_income: bool  # receives low-income support
    risk_flags: list[str]  # e.g. "disability", "recent_fall"
    notes: str  # free notes; merged field by field from phones
    rev: int  # bumped on every write to the resident
    lat: float | None = None  # the home's latitude (WGS 84), when recorded
    lon: float | None = None  # the home's longitude, when recorded
