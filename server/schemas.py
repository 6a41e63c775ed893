"""The base of the API's response structs: one shape per record, for HTTP and the change feed."""

from typing import Any, Self

import msgspec


class Public(msgspec.Struct, kw_only=True):
    """A record as the API shows it. Times encode as RFC 3339 in UTC with a `Z`, ids as strings."""

    @classmethod
    def from_row(cls, row: Any) -> Self:
        """This struct filled from a table row's attributes of the same names."""
        return msgspec.convert(row, cls, from_attributes=True)

    def to_builtins(self) -> dict[str, Any]:
        """The JSON-ready dict the change feed carries as a record's `data`."""
        return msgspec.to_builtins(self)
