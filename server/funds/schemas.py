"""What the funds API answers and takes. Money in yuan (numbers exact to the fen)."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from server.schemas import Public
from shared.funds import FUND_CATEGORIES
from shared.instants import Instant, Timed

Category = Literal[FUND_CATEGORIES]  # type: ignore[valid-type]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
Year = Annotated[int, msgspec.Meta(ge=2000, le=2100)]


class FundEntryPublic(Public):
    """One spending entry of a fund's ledger."""

    id: UUID  # the entry's id
    org_unit: str  # the code of the unit whose fund paid
    year: int  # the fund year
    amount_cny: float  # yuan, exact to the fen
    category: str  # one of FUND_CATEGORIES (assistance, elderly_care, activities, …)
    note: str  # what it was for, in the recorder's words
    source: str  # where it came from: assistance (a mentor's phone), console or api
    source_id: UUID | None  # the record it went with (the assistance entry's id), if any
    recorded_by: UUID | None  # the id of the person who spent or recorded it
    recorded_by_name: str | None  # that person's display name
    at: datetime  # when the money was spent (UTC)


class FundFigures(Public):
    """A unit's money for the year: its own fund, or (in `children`) its whole subtree."""

    org_unit: str  # the unit's code
    name: str  # the unit's name
    level: str  # district, subdistrict or community
    budget_cny: float  # the budget
    spent_cny: float  # what was spent
    remaining_cny: float  # budget − spent


class FundTotals(Public):
    """The unit and every unit below it, added up."""

    budget_cny: float  # all budgets of the subtree
    spent_cny: float  # all spending of the subtree
    remaining_cny: float  # budget − spent of the subtree


class FundPublic(Public):
    """A unit's special fund for one year.

    `budget_cny`, `spent_cny` and `remaining_cny` are the unit's OWN fund (a subdistrict's
    ¥1,000,000), not counting its communities; `total` adds the unit and every unit below it;
    `children` lists each unit directly below (a subdistrict's communities, the district's
    subdistricts), each with its whole subtree's figures. `entries` is the own fund's ledger,
    newest first.
    """

    org_unit: str  # the unit's code
    year: int  # the fund year (a calendar year in the district's time zone)
    name: str  # the unit's name
    level: str  # district, subdistrict or community
    budget_cny: float  # this unit's own budget for the year
    spent_cny: float  # spent from this unit's own fund
    remaining_cny: float  # budget_cny − spent_cny
    total: FundTotals  # this unit and every unit below it
    children: list[FundFigures]  # the units directly below, each with its subtree's totals
    entries: list[FundEntryPublic]  # this unit's own ledger, newest first


class SpendingCreate(Timed, forbid_unknown_fields=True, kw_only=True):
    """Spending recorded by hand (console or API), charged to a unit's fund."""

    org_unit: Code  # the unit whose fund pays
    amount_cny: Annotated[float, msgspec.Meta(ge=0.01, le=100_000_000)]  # yuan, to the fen
    category: Category  # what it is spent on
    note: Annotated[str, msgspec.Meta(max_length=1000)] = ""  # what for
    at: Instant | None = None  # when; default now


class BudgetSet(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A unit's budget for a year."""

    org_unit: Code  # the unit
    year: Year  # the fund year
    budget_cny: Annotated[float, msgspec.Meta(ge=0, le=1_000_000_000)]  # yuan
