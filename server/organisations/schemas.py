"""What the register's API answers and takes."""

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from server.schemas import Public
from shared.funds import ORGANISATION_KINDS

Kind = Literal[ORGANISATION_KINDS]  # type: ignore[valid-type]
Words = Annotated[str, msgspec.Meta(max_length=200)]


class ActivityPublic(Public):
    """One activity of an organisation or team."""

    id: UUID  # the activity's id
    organisation_id: UUID  # who did it
    on_date: date  # the day (local calendar date)
    title: str  # what was done
    place: str  # where
    participants: int  # how many took part
    hours: float  # volunteer hours given in all


class OrganisationPublic(Public):
    """An organisation or team in the register."""

    id: UUID  # its id
    kind: str  # social_org, volunteer_team or patrol_team
    org_unit: str  # the code of the unit it belongs to
    org_unit_name: str  # that unit's name
    name: str  # its name
    focus: str  # what it does
    contact_name: str  # who to contact
    contact_phone: str  # the contact's phone
    member_count: int  # how many members it has
    members: list[str]  # members' names, where known (may be fewer than member_count)
    activities: int  # how many activities it has recorded
    hours: float  # volunteer hours given in all its activities


class OrganisationDetail(OrganisationPublic):
    """An organisation with its activities, newest first."""

    recent: list[ActivityPublic]  # its activities, newest first


class Figures(Public):
    """What the district reports of its partners, for the caller's part of the tree."""

    organisations: int  # social organisations registered
    volunteer_teams: int  # volunteer teams registered
    patrol_teams: int  # "两老" patrol teams registered
    members: int  # members of all of them (participants registered)
    activities: int  # activities in the last 12 months
    participants: int  # people taking part in those activities, added up
    hours: float  # volunteer hours of those activities


class OrganisationCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    kind: Kind  # social_org, volunteer_team or patrol_team
    org_unit: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]  # the unit's code
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    focus: Words = ""
    contact_name: Annotated[str, msgspec.Meta(max_length=60)] = ""
    contact_phone: Annotated[str, msgspec.Meta(max_length=40)] = ""
    member_count: Annotated[int, msgspec.Meta(ge=0, le=100_000)] | None = None  # default: members
    members: Annotated[
        list[Annotated[str, msgspec.Meta(min_length=1, max_length=60)]],
        msgspec.Meta(max_length=2000),
    ] = []


class ActivityCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    on_date: date  # the day
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    place: Words = ""
    participants: Annotated[int, msgspec.Meta(ge=1, le=100_000)]
    hours: Annotated[float, msgspec.Meta(ge=0, le=1_000_000)]  # in all
