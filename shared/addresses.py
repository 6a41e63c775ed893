"""Placing a street address by the address library (标准地址库): which community a caller's
"解放路12号" or "解放路菜市场后身" lies in.

The library is a list of `Stretch`es: a street in one community, with the building numbers of
it that lie there (`first`–`last`, both included; None: open at that end). An address is placed
by its street (the longest street name it contains; the first such, if two are as long) and,
when a building number follows the street ("12号", "12-3号"), by the stretch whose range holds
it. `place` answers every community that fits: one is a placement, none or several are a
question for the person taking the call (they choose, nothing is guessed).
"""

import re
import unicodedata
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

# A building number right after the street: "12号", "12-3号", "12号院", "第12号" (full-width
# digits are made ASCII first).
_NUMBER = re.compile(r"第?(\d{1,6})(?:[-—之]\d+)?号")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Stretch:
    """A street (or a stretch of it) in one community."""

    street: str
    community: Hashable  # the community's key (its id on the server)
    first: int | None = None
    last: int | None = None

    def holds(self, number: int) -> bool:
        return (self.first is None or number >= self.first) and (
            self.last is None or number <= self.last
        )


@dataclass(frozen=True)
class Placement:
    """What the library says of an address: the street found (None: no street of the library),
    the building number after it (None: none given), and every community that fits."""

    street: str | None
    number: int | None
    communities: tuple[Hashable, ...]

    @property
    def community(self) -> Hashable | None:
        """The one community that fits; None when none or several do (ask)."""
        return self.communities[0] if len(self.communities) == 1 else None

    @property
    def ambiguous(self) -> bool:
        """Several communities share the street (and the number)."""
        return len(self.communities) > 1


def normalise(text: str) -> str:
    """Full-width digits and letters made ASCII (NFKC), spaces gone."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def number_after(text: str, start: int) -> int | None:
    """The building number written at `start` of the text, if any."""
    found = _NUMBER.match(text, start) if start < len(text) else None
    return int(found[1]) if found else None


def place(address: str, stretches: Iterable[Stretch]) -> Placement:
    """Where the library places the address (see the module's note)."""
    text = normalise(address)
    by_street: dict[str, list[Stretch]] = {}
    for stretch in stretches:
        by_street.setdefault(normalise(stretch.street), []).append(stretch)
    best: tuple[int, int, str] | None = None  # (-length, position, street)
    for street in by_street:
        at = text.find(street) if street else -1
        if at >= 0 and (best is None or (-len(street), at) < best[:2]):
            best = (-len(street), at, street)
    if best is None:
        return Placement(None, None, ())
    _, at, street = best
    number = number_after(text, at + len(street))
    fitting = [s for s in by_street[street] if number is None or s.holds(number)]
    communities = tuple(dict.fromkeys(s.community for s in fitting))
    return Placement(street, number, communities)
