"""What the API and the change feed show of the service catalogue."""

from uuid import UUID

from server.schemas import Public


class ServiceCategoryPublic(Public):
    """A kind of service or hotline request: the feed entity `service_category`."""

    id: UUID  # the category's id
    code: str  # stable dotted code, e.g. "elderly.care"
    name_zh: str  # name in Chinese
    name_en: str  # name in English
    programme: str  # the programme it belongs to, e.g. "household"
    department: str  # the department that answers for it
    time_limit_hours: int  # how long a request of this kind may stay open
    active: bool  # offered now
