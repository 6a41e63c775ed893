"""Who decides what a level asks of the level above it (a department's return, more time for
a request), who answers for a request at its level, and who keeps the official calendar: rules
of the hotline's levels, beside `shared/permissions.py` (which they build on)."""

from uuid import UUID

from shared.enums import Role
from shared.orgtree import SEPARATOR
from shared.permissions import Actor, at_district_level, may_work_for_department


def may_keep_calendar(actor: Actor) -> bool:
    """Entering the State Council's holiday notice (the holiday table): an admin of the
    district."""
    return actor.role is Role.ADMIN and at_district_level(actor)


def may_keep_address_library(actor: Actor) -> bool:
    """Importing the address library (标准地址库): an admin of the district, like the
    calendar."""
    return may_keep_calendar(actor)


_DEPTH = {"district": 1, "subdistrict": 2, "community": 3}


def _level_path(holder_path: str | None, level: str) -> str | None:
    """The path of the office at `level` above (or at) the one holding a request."""
    depth = _DEPTH.get(level)
    parts = (holder_path or "").split(SEPARATOR) if holder_path else []
    if depth is None or depth > max(len(parts), 1):
        return None
    return SEPARATOR.join(parts[:depth]) if parts else None


def holds_at_level(
    actor: Actor, level: str, holder_path: str | None, department_id: UUID | None
) -> bool:
    """Whether the actor is the level answering for a request now (`level`): the staff of its
    department, the managers of that level's office over the one holding it (`holder_path`:
    the community or subdistrict it was sent to; None: the district), or the district's
    managers."""
    if level == "department":
        return may_work_for_department(actor, department_id)
    if level == "district":
        return actor.is_manager and at_district_level(actor)
    return actor.is_manager and actor.unit_path == _level_path(holder_path, level)


def may_decide_above(actor: Actor, level: str, holder_path: str | None) -> bool:
    """Deciding what a level asked (more time, a return): the level above it. A community's
    is its subdistrict's managers'; a subdistrict's or a department's, the district's."""
    if level == "community":
        return actor.is_manager and actor.unit_path == _level_path(holder_path, "subdistrict")
    if level in ("subdistrict", "department"):
        return actor.is_manager and at_district_level(actor)
    return False
