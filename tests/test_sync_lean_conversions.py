"""The lean pull's own conversions of SQLite's stored ids and times (server/sync/prepared.py) give
what SQLAlchemy's column types give, for every form either may meet."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Uuid
from sqlalchemy.dialects import postgresql, sqlite

from server.db.types import UTCDateTime
from server.sync import prepared

SQLITE = sqlite.dialect()


def sqlalchemys(kind, dialect=SQLITE):
    return kind.dialect_impl(dialect).result_processor(dialect, None)


@given(st.uuids())
def test_a_stored_id_reads_as_sqlalchemy_reads_it(value):
    ours = prepared._fast(Uuid(), SQLITE)
    theirs = sqlalchemys(Uuid())
    for stored in (value.hex, str(value), value.hex.upper()):
        made = ours(stored)
        assert made == theirs(stored) and str(made) == str(value) and hash(made) == hash(value)
        assert isinstance(made, uuid.UUID)


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)))
def test_a_stored_time_reads_as_sqlalchemy_reads_it(value):
    ours = prepared._fast(UTCDateTime(), SQLITE)
    theirs = sqlalchemys(UTCDateTime())
    stored = value.strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy writes one to SQLite
    assert ours(stored) == theirs(stored)
    assert ours(stored).tzinfo is UTC


def test_a_time_with_a_zone_is_turned_to_utc():
    ours = prepared._fast(UTCDateTime(), SQLITE)
    assert ours("2026-12-04 08:00:00+08:00") == datetime(2026, 12, 4, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 12, 4, 0, 0, tzinfo=UTC),
        datetime(2026, 12, 4, 8, 0, tzinfo=timezone(timedelta(hours=8))),
    ],
)
def test_postgresqls_aware_times_come_out_in_utc(value):
    ours = prepared._fast(UTCDateTime(), postgresql.asyncpg.dialect())
    assert ours(value) == value and ours(value).tzinfo is UTC


def test_other_types_keep_sqlalchemys_conversion():
    assert prepared._fast(Uuid(), postgresql.asyncpg.dialect()) is None  # asyncpg's own UUIDs
    assert prepared._fast(Uuid(as_uuid=False), SQLITE) is None
