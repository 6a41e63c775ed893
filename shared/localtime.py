"""Times as people here read them: in one configured zone (`DOORSTEP_TIMEZONE`, default
Asia/Shanghai), with the year shown where it matters. The JSON API stays in UTC; only what a
person reads (console pages, CSV files, the phone's screens) goes through here."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared import words

DEFAULT_ZONE = "Asia/Shanghai"


@lru_cache(maxsize=16)
def zone(name: str | None = None) -> ZoneInfo:
    """The zone called `name` (default Asia/Shanghai); ValueError for a name that is no zone."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {name!r}") from error


def to_local(moment: datetime, zone_name: str | None = None) -> datetime:
    """`moment` in the zone; a naive datetime is taken to be UTC (how the database returns it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone(zone_name))


def format_local(
    moment: datetime | None,
    lang: str = "zh",
    zone_name: str | None = None,
    *,
    year: bool | None = None,
    now: datetime | None = None,
) -> str:
    """`moment` as a person reads it: "2026年11月28日 21:55" / "28 Nov 2026 21:55". With
    `year=None` the year is shown only when it is not the current year; "" for no time."""
    if moment is None:
        return ""
    local = to_local(moment, zone_name)
    if year is None:
        current = to_local(now or datetime.now(UTC), zone_name)
        year = local.year != current.year
    # The day's shape and the month's name are words (`time.*`): "11月28日" / "28 Nov".
    month = words.word(f"time.month_{local.month}", lang)
    day = words.word(
        "time.day_year" if year else "time.day", lang, year=local.year, month=month, day=local.day
    )
    return f"{day} {local.hour:02d}:{local.minute:02d}"


def format_csv(moment: datetime | None, zone_name: str | None = None) -> str:
    """`moment` for a spreadsheet: local and sortable, with its offset.

    "2026-11-28 21:55:00+08:00"."""
    if moment is None:
        return ""
    return to_local(moment, zone_name).isoformat(sep=" ", timespec="seconds")
