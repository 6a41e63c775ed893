"""Field-by-field merge of editable records by hybrid logical clock.

Each editable field carries the stamp of the write that set it. An incoming write takes a field
when its stamp is later; otherwise the field keeps its value. Where both sides changed a field
without seeing each other's value, the value that did not stand is reported as a conflict, so a
person can see it and put it back.
"""

from dataclasses import dataclass
from typing import Any

# The editable fields of a resident and the Python type each must have.
RESIDENT_FIELDS: dict[str, type] = {
    "phone": str,
    "address": str,
    "notes": str,
    "living_alone": bool,
}


@dataclass(frozen=True)
class FieldConflict:
    field: str
    loser: str  # "incoming" when the incoming write lost, "existing" when it replaced a value
    lost_value: Any
    kept_value: Any


@dataclass(frozen=True)
class MergeResult:
    values: dict[str, Any]  # the fields to write
    clocks: dict[str, str]  # their new stamps
    conflicts: list[FieldConflict]


def merge_fields(
    current: dict[str, Any],
    clocks: dict[str, str],
    incoming: dict[str, Any],
    stamp: str,
    base: dict[str, Any] | None = None,
) -> MergeResult:
    """Merge `incoming` (written at `stamp`) into `current` whose fields carry `clocks`.

    `base` holds the values the writer saw when editing, where known. A field whose current
    value differs from the writer's base was changed concurrently: the value that does not
    stand is reported. Without a base, only an incoming value that loses is reported.
    """
    values: dict[str, Any] = {}
    new_clocks: dict[str, str] = {}
    conflicts: list[FieldConflict] = []
    for field, value in incoming.items():
        existing = current.get(field)
        existing_stamp = clocks.get(field, "")
        concurrent = base is not None and field in base and base[field] != existing
        if stamp > existing_stamp:
            # The stamp advances even when the value is the same: a write stamped between the
            # two must lose in every order of arrival.
            values[field] = value
            new_clocks[field] = stamp
            if concurrent and value != existing:
                conflicts.append(FieldConflict(field, "existing", existing, value))
        elif value != existing:
            conflicts.append(FieldConflict(field, "incoming", value, existing))
    return MergeResult(values, new_clocks, conflicts)
