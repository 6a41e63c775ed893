"""Every sync mutation, declared once: the registry that the push, the phone and the docs read.

A mutation is declared in the module of its domain (`records`, `visits`, `residents`,
`requests`) with its argument schema, the roles that may send it and its effect on the phone's
copy. The server's effect for each name lives beside the server's domain logic and is checked
against this registry when the app starts (`server/sync/effects.py`).
"""

from typing import Any

import msgspec

from shared.enums import Role
from shared.mutations import records, requests, residents, visits
from shared.mutations.base import Args, LocalWrite, Location, MutationSpec, Proof, View, wire
from shared.mutations.records import AssistanceLog, CheckinRecord, ServiceRecord
from shared.mutations.requests import RequestCreate
from shared.mutations.residents import ResidentFields, ResidentUpdate, resident_fields_set
from shared.mutations.visits import (
    SEEN_MOVES,
    ApprovalDecide,
    VisitAssign,
    VisitCancel,
    VisitComplete,
    VisitStart,
)


def _gather(*specs: list[MutationSpec]) -> dict[str, MutationSpec]:
    registry: dict[str, MutationSpec] = {}
    for spec in (s for group in specs for s in group):
        if spec.name in registry or any(s.args is spec.args for s in registry.values()):
            raise ValueError(f"mutation {spec.name!r} is declared twice")
        registry[spec.name] = spec
    return registry


REGISTRY: dict[str, MutationSpec] = _gather(
    records.SPECS, visits.SPECS, residents.SPECS, requests.SPECS
)
_BY_ARGS: dict[type, MutationSpec] = {spec.args: spec for spec in REGISTRY.values()}


class InvalidArgs(ValueError):
    pass


def parse_args(name: str, args: Any) -> Args:
    """The typed arguments of a mutation, or InvalidArgs saying what is wrong."""
    spec = REGISTRY.get(name)
    if spec is None:
        raise InvalidArgs(f"unknown mutation {name!r}")
    try:
        return msgspec.convert(args, spec.args, strict=False)
    except msgspec.ValidationError as exc:
        raise InvalidArgs(str(exc)) from exc


def spec_of(args: Args) -> MutationSpec:
    """The declaration a typed mutation belongs to."""
    return _BY_ARGS[type(args)]


def encode(args: Args) -> tuple[str, dict[str, Any]]:
    """A typed mutation as it is queued and sent: its name and its JSON arguments."""
    return spec_of(args).name, wire(args)


def optimistic_effects(
    view: View, name: str, args: dict[str, Any], user_id: str
) -> list[LocalWrite]:
    """What a queued mutation does to the phone's copy; nothing for one it cannot read."""
    try:
        typed = parse_args(name, args)
    except InvalidArgs:
        return []  # the server will refuse it and say why
    return REGISTRY[name].optimistic(view, typed, user_id)


def _arg_list(schema: type[Args]) -> str:
    info = msgspec.inspect.type_info(schema)
    parts = []
    for field in info.fields:
        text = field.name + ("" if field.required else "?")
        inner = field.type
        if isinstance(inner, msgspec.inspect.UnionType):
            inner = next(t for t in inner.types if not isinstance(t, msgspec.inspect.NoneType))
        if isinstance(inner, msgspec.inspect.StructType):
            text += "{" + _arg_list(inner.cls).replace("`", "") + "}"
        parts.append(text)
    return "`" + ", ".join(parts) + "`"


def docs_table() -> str:
    """The mutations as a markdown table, as docs/sync.md shows them."""
    rows = [
        "| name | roles that may send it | and only when | args | effect |",
        "|---|---|---|---|---|",
    ]
    for name, spec in REGISTRY.items():
        roles = ", ".join(role.value for role in Role if role in spec.senders)
        rows.append(
            f"| `{name}` | {roles} | {spec.only_when} | {_arg_list(spec.args)} | {spec.effect} |"
        )
    return "\n".join(rows) + "\n"


__all__ = [
    "REGISTRY",
    "SEEN_MOVES",
    "ApprovalDecide",
    "Args",
    "AssistanceLog",
    "CheckinRecord",
    "LocalWrite",
    "InvalidArgs",
    "Location",
    "MutationSpec",
    "Proof",
    "RequestCreate",
    "ResidentFields",
    "ResidentUpdate",
    "ServiceRecord",
    "View",
    "VisitAssign",
    "VisitCancel",
    "VisitComplete",
    "VisitStart",
    "docs_table",
    "encode",
    "optimistic_effects",
    "parse_args",
    "resident_fields_set",
    "spec_of",
]
