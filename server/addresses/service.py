"""The address library (标准地址库): placing an address by it, reading it, and replacing it
with an admin's CSV (all or nothing: a bad row refuses the file, naming its line)."""

import csv
import io
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.addresses.tables import StreetAddress
from server.audit import service as audit
from server.errors import Refusal
from server.org.service import all_units
from shared.addresses import Placement, Stretch, normalise, place
from shared.enums import OrgLevel
from shared.levels import may_keep_address_library
from shared.permissions import Actor

# The CSV's columns: the community's code, the street, the first and last building number
# (either may be empty: open at that end). Its first line names them, in English or Chinese.
COLUMNS = ("community_code", "street", "first", "last")
COLUMNS_ZH = ("社区编码", "街路巷", "起始门牌", "终止门牌")
MAX_ROWS = 50_000
MAX_NUMBER = 99_999
MAX_STREET = 20  # characters: a street's name is short (the table allows 60)


class BadRow(Refusal):
    """A line of the CSV the library cannot take: its number and why (a code the console puts
    into words: `console.ar_<reason>`)."""

    def __init__(self, line: int, reason: str, value: str = "") -> None:
        super().__init__("invalid_address_row", f"Line {line}: {reason} {value!r}".strip(), 400)
        self.line, self.reason, self.value = line, reason, value


@dataclass(frozen=True)
class Summary:
    stretches: int  # rows
    streets: int  # distinct street names
    communities: int  # communities with at least one street


async def placement(session: AsyncSession, address: str) -> Placement:
    """Where the library places the address (`shared.addresses.place`): community ids. Only
    the rows whose street the address contains are read: every piece of the address (2 to
    MAX_STREET characters) is looked up by the street's index (the streets are stored
    normalised, as the address is here), so a large library costs no more."""
    text = normalise(address)[:200]
    pieces = {
        text[i:j]
        for i in range(len(text))
        for j in range(i + 2, min(len(text), i + MAX_STREET) + 1)
    }
    if not pieces:
        return Placement(None, None, ())
    rows = await session.execute(
        select(
            StreetAddress.street,
            StreetAddress.community_id,
            StreetAddress.first,
            StreetAddress.last,
        ).where(StreetAddress.street.in_(pieces))
    )
    return place(text, [Stretch(street, c, first, last) for street, c, first, last in rows])


async def summary(session: AsyncSession) -> Summary:
    found = (
        await session.execute(
            select(
                func.count(),
                func.count(func.distinct(StreetAddress.street)),
                func.count(func.distinct(StreetAddress.community_id)),
            )
        )
    ).one()
    return Summary(*found)


async def of_street(session: AsyncSession, street: str, limit: int = 100) -> list[StreetAddress]:
    """The stretches whose street name contains the text (the admin page's search)."""
    rows = await session.scalars(
        select(StreetAddress)
        .where(StreetAddress.street.contains(normalise(street)))
        .order_by(StreetAddress.street, StreetAddress.first)
        .limit(limit)
    )
    return list(rows.all())


def _number(text: str, line: int) -> int | None:
    text = normalise(text)
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_NUMBER:
        raise BadRow(line, "number", text)
    return int(text)


def read_csv(data: bytes, communities: dict[str, UUID]) -> list[StreetAddress]:
    """The CSV's rows as library rows (`communities`: the communities' ids by code). UTF-8
    (with or without the BOM Excel writes) or GB18030; the first line names the columns."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise BadRow(1, "encoding") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    names = tuple(normalise(h).lower() for h in header or ())
    if names[:4] not in (COLUMNS, COLUMNS_ZH):
        raise BadRow(1, "header", ",".join(header or ()))
    rows: list[StreetAddress] = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue  # a blank line
        if len(cells) < 2 or len(cells) > 4:
            raise BadRow(line, "columns", ",".join(cells))
        code, street, first, last = (*(c.strip() for c in cells), "", "")[:4]
        if code not in communities:
            raise BadRow(line, "community", code)
        street = normalise(street)
        if not street or len(street) > MAX_STREET or street[-1].isdigit():
            raise BadRow(line, "street", street)
        low, high = _number(first, line), _number(last, line)
        if low is not None and high is not None and low > high:
            raise BadRow(line, "range", f"{low}-{high}")
        rows.append(
            StreetAddress(community_id=communities[code], street=street, first=low, last=high)
        )
        if len(rows) > MAX_ROWS:
            raise BadRow(line, "too_many", str(MAX_ROWS))
    if not rows:
        raise BadRow(reader.line_num or 1, "empty")
    return rows


async def replace(session: AsyncSession, actor: Actor, data: bytes) -> Summary:
    """The library replaced by the CSV's rows: a district admin only (403 otherwise); a bad
    row refuses the whole file (`BadRow`, 400), and the library stays as it was."""
    if not may_keep_address_library(actor):
        raise Refusal("forbidden", "Only a district admin keeps the address library.")
    communities = {
        u.code: u.id for u in (await all_units(session)).values() if u.level == OrgLevel.COMMUNITY
    }
    rows = read_csv(data, communities)
    await session.execute(delete(StreetAddress))
    session.add_all(rows)
    await session.flush()
    done = await summary(session)
    audit.record(
        session,
        actor,
        "address_library.import",
        "street_address",
        None,
        stretches=done.stretches,
        streets=done.streets,
        communities=done.communities,
    )
    return done
