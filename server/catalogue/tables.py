"""The service catalogue's table, edited as data."""

from typing import Any, ClassVar
from uuid import UUID, uuid4

from sqlmodel import Field, SQLModel

from server.catalogue.schemas import ServiceCategoryPublic


class ServiceCategory(SQLModel, table=True):
    __tablename__ = "service_category"
    __feed_entity__: ClassVar[str] = "service_category"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    code: str = Field(max_length=60, unique=True, index=True)
    name_zh: str = Field(max_length=120)
    name_en: str = Field(max_length=120)
    programme: str = Field(max_length=40)
    department: str = Field(max_length=120)
    time_limit_hours: int
    active: bool = True

    @staticmethod
    def feed_keys(get: Any) -> set[str]:
        return {"g"}

    def sync_data(self) -> dict[str, Any]:
        return ServiceCategoryPublic.from_row(self).to_builtins()
