"""The address library's table: one row a street (or a stretch of it) in one community."""

from uuid import UUID, uuid4

from sqlmodel import Field, SQLModel


class StreetAddress(SQLModel, table=True):
    """A street of a community, with the building numbers of it that lie there (`first` to
    `last`, both included; none: the whole street). A long road appears once for each
    community it passes through, each with its own stretch of numbers."""

    __tablename__ = "street_address"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    community_id: UUID = Field(foreign_key="org_unit.id", index=True)
    street: str = Field(max_length=60, index=True)  # e.g. 解放路, 育才巷, 槐树胡同
    first: int | None = None  # the lowest building number here; none: from the start
    last: int | None = None  # the highest; none: to the end
