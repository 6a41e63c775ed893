"""Special funds and partner organisations: their closed vocabularies and the money rules.

Money is counted in fen (1/100 yuan) as integers everywhere it is stored or added up, so that
no sum drifts; the API shows yuan. A fund's year is the year, in the district's time zone, in
which the money was spent.
"""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from shared.localtime import to_local

# What money from a special fund is spent on (words in the console's strings, `fc_<code>`).
FUND_CATEGORIES = (
    "assistance",  # help for a family, logged from a mentor's phone (assistance.log)
    "elderly_care",  # care and meals for older residents
    "activities",  # community events
    "volunteers",  # volunteer and patrol teams' costs
    "facilities",  # small repairs and equipment
    "training",  # skills training and job placement
    "emergency",  # emergency relief
    "other",
)
# Where a ledger entry came from.
FUND_SOURCES = ("assistance", "console", "api")

# The kinds of partner in the register (words: `ok_<kind>`).
ORGANISATION_KINDS = (
    "social_org",  # a registered social organisation (社会组织)
    "volunteer_team",  # a volunteer team (志愿服务队)
    "patrol_team",  # a retired volunteers' safety patrol ("两老" 巡逻队)
)
TEAM_KINDS = ("volunteer_team", "patrol_team")

FEN_PER_YUAN = 100


def to_fen(amount_cny: float | int | Decimal | str) -> int:
    """Yuan as whole fen, half a fen rounded up (¥0.125 → 13 fen); exact for decimal input."""
    fen = (Decimal(str(amount_cny)) * FEN_PER_YUAN).quantize(Decimal(1), ROUND_HALF_UP)
    return int(fen)


def to_cny(fen: int) -> float:
    """Whole fen as yuan for the API (¥12.34 from 1234); exact to the fen."""
    return float(Decimal(fen) / FEN_PER_YUAN)


def fund_year(at: datetime, zone_name: str | None = None) -> int:
    """The fund year that money spent at `at` counts in: the local calendar year."""
    return to_local(at, zone_name).year


def fits(budget_fen: int, spent_fen: int, amount_fen: int) -> bool:
    """Whether spending `amount_fen` more keeps the fund at or above zero."""
    return amount_fen >= 0 and spent_fen + amount_fen <= budget_fen
