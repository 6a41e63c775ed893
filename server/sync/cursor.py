"""The pull cursor: a feed position (version, ordinal) and the scope it was made under."""

import base64
from dataclasses import dataclass

from server.errors import ProblemError


@dataclass(frozen=True, order=True)
class Position:
    version: int
    ord: int


START = Position(0, -1)
BIGGEST = 2**63 - 1  # the feed's positions are 64-bit integers in the database
MAX_CURSOR_LENGTH = 200
CURSOR_PATTERN = "^[A-Za-z0-9_-]*$"  # base64url, unpadded: the schema says so (else 400)
# Ords are 32-bit in the database; the largest is beyond any one transaction's, so
# (v, PAST_EVERY_ORD) lies after every entry of version v.
PAST_EVERY_ORD = 2**31 - 1


def encode(position: Position, scope: str) -> str:
    raw = f"1.{position.version}.{position.ord}.{scope}".encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode(cursor: str | None, scope: str, horizon: int) -> Position:
    """The position a cursor names; 410 cursor_expired when it cannot be served any more."""
    if not cursor:
        return START
    # Well-formed (base64url), but naming no position of ours: a rule, not the shape.
    foreign = ProblemError(422, "invalid_request", "The cursor is not one this server made.")
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise foreign
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        version_tag, version, ord_, cursor_scope = raw.split(".")
        position = Position(int(version), int(ord_))
    except (ValueError, UnicodeDecodeError) as exc:
        raise foreign from exc
    if version_tag != "1" or not (
        0 <= position.version <= BIGGEST and -1 <= position.ord <= PAST_EVERY_ORD
    ):
        raise foreign
    if cursor_scope != scope:
        raise ProblemError(
            410,
            "cursor_expired",
            "What this phone may hold has changed; sync again from the start.",
        )
    check_horizon(position, horizon)
    return position


def check_horizon(position: Position, horizon: int) -> None:
    """410 cursor_expired for a position below the feed's compaction horizon."""
    if position != START and position.version < horizon:
        raise ProblemError(
            410, "cursor_expired", "This phone has been away too long; sync again from the start."
        )
