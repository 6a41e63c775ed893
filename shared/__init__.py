"""Doorstep's shared core: the domain, its rules and the sync wire types, used by server and phone.

Pure Python: nothing here imports the server or Kivy.
"""

from shared.catalogue import CATALOGUE, Category
from shared.enums import Channel, OrgLevel, RiskFlag, Role, VisitKind, VisitStatus, Wellbeing
from shared.hlc import Clock, Timestamp, clamp
from shared.merge import RESIDENT_FIELDS, FieldConflict, MergeResult, merge_fields
from shared.mutations import REGISTRY, InvalidArgs, MutationSpec, parse_args
from shared.orgtree import contains
from shared.permissions import Actor
from shared.protocol import (
    PROTOCOL_VERSION,
    Change,
    Mutation,
    MutationResult,
    PullResponse,
    PushRequest,
    PushResponse,
)
from shared.visits import TransitionRefused, transition

__all__ = [
    "CATALOGUE",
    "REGISTRY",
    "PROTOCOL_VERSION",
    "RESIDENT_FIELDS",
    "Actor",
    "Category",
    "Change",
    "Channel",
    "Clock",
    "FieldConflict",
    "InvalidArgs",
    "MergeResult",
    "Mutation",
    "MutationResult",
    "MutationSpec",
    "OrgLevel",
    "PullResponse",
    "PushRequest",
    "PushResponse",
    "RiskFlag",
    "Role",
    "Timestamp",
    "TransitionRefused",
    "VisitKind",
    "VisitStatus",
    "Wellbeing",
    "clamp",
    "contains",
    "merge_fields",
    "parse_args",
    "transition",
]
