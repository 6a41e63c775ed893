"""The scope preview's answers, one member per synced record (from the declarations)."""

from typing import Annotated

import msgspec

from server.schemas import Public
from server.sync.records import RECORDS

_FIELDS = [
    (entity, Annotated[int, msgspec.Meta(description=record.label)])
    for entity, record in RECORDS.items()
]

ScopeCounts = msgspec.defstruct("ScopeCounts", _FIELDS, bases=(Public,), kw_only=True)
ScopeCounts.__doc__ = """GET /api/v1/users/{id}/scope-preview: records of each synced entity on the
phone, one member per declared synced record."""


class ScopeChange(Public):
    """GET /api/v1/users/{id}/scope-change: what a proposed role or unit would do to the phone."""

    current: ScopeCounts  # records the phone holds now
    proposed: ScopeCounts  # records it would hold after the change
    arriving: ScopeCounts  # records the change would send to the phone
    leaving: ScopeCounts  # records the phone would delete
