"""Times that come in from outside (a phone's mutation, an API body, a console form, a query
string): with their zone, and between 1970 and 2200. One type and one check for all of them,
so that no naive or far-off time reaches a comparison or the database (where it was a 500)."""

from datetime import UTC, datetime
from typing import Annotated, Any, get_type_hints

import msgspec

__all__ = [
    "EARLIEST",
    "LATEST",
    "YEAR_PATTERN",
    "Instant",
    "Timed",
    "check_instant",
    "parse_instant",
]

# A moment in time: with its offset (a naive time is refused), in a year between these bounds
# as written (so that a schema can say it: an offset never moves a time across the line).
Instant = Annotated[datetime, msgspec.Meta(tz=True)]
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
# The same bounds for an RFC 3339 text: what the OpenAPI schema adds to each time it takes.
YEAR_PATTERN = "^(19[7-9][0-9]|2[01][0-9][0-9])-"


def check_instant(name: str, value: Any) -> None:
    """Refuses a naive time or one out of range (ValueError: msgspec makes it a validation
    error, the server a 400)."""
    if not isinstance(value, datetime):
        return
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must carry its time zone, e.g. 2026-12-03T09:30:00+08:00")
    if not EARLIEST.year <= value.year < LATEST.year:
        raise ValueError(f"{name} must lie between 1970 and 2200")


def parse_instant(name: str, text: str) -> datetime:
    """A time from a query string or a form (RFC 3339 / ISO 8601 with its offset; `Z` for
    UTC), checked like any other; ValueError with words for a person otherwise."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"{name} is not a time like 2026-12-03T09:30:00+08:00") from None
    check_instant(name, value)
    return value


_INSTANTS: dict[type, tuple[str, ...]] = {}


def _instant_fields(schema: type) -> tuple[str, ...]:
    """The fields of a struct that hold times, found once per struct."""
    found = _INSTANTS.get(schema)
    if found is None:
        hints = get_type_hints(schema, include_extras=True)
        found = tuple(n for n in schema.__struct_fields__ if "datetime" in repr(hints.get(n)))
        _INSTANTS[schema] = found
    return found


class Timed(msgspec.Struct):
    """A struct whose times are checked when it is decoded: inherit it for every body that
    takes a time (its own options, such as forbid_unknown_fields, stay the subclass's)."""

    def __post_init__(self) -> None:
        for name in _instant_fields(type(self)):
            check_instant(name, getattr(self, name))
