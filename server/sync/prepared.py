"""Core statements compiled once per dialect and run on the database driver's own connection.

The lean sync path (server/sync/lean.py, server/sync/lean_push.py) runs on asyncpg's connection
or aiosqlite's, without an engine `Connection` around it. What SQLAlchemy would do to the
values on the way in and out, these do too: a statement's parameters go through the same bind
conversions its types make (ids, UTC times, JSON), its rows come back through the same result
conversions, so a row reads as the ORM's would and a row written is the row the ORM writes.

- `Prepared`: a query; its rows as plain objects with the columns' names as attributes.
- `Write`: an insert or an update, run once or for many rows (one executemany), with the
  Python-side defaults of the columns it was not given, as SQLAlchemy fills them in.
"""

from collections.abc import Callable
from dataclasses import make_dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, SafeUUID

from sqlalchemy import Float, Numeric, Uuid
from sqlalchemy.engine import Dialect

from server.db.types import UTCDateTime

FLOAT8, NUMERIC = 701, 1700  # PostgreSQL's type oids
_new, _set, _UNKNOWN = object.__new__, object.__setattr__, SafeUUID.unknown


def _uuid_from_hex(value: str) -> UUID:
    """SQLite's stored UUID (32 hex digits, as SQLAlchemy binds one) as a UUID, as `UUID(value)`
    makes it without parsing every form UUID accepts; any other form goes to `UUID` itself."""
    if len(value) != 32:
        return UUID(value)
    made = _new(UUID)
    _set(made, "int", int(value, 16))
    _set(made, "is_safe", _UNKNOWN)
    return made


def _utc_from_text(value: str) -> datetime:
    """SQLite's stored UTC time (ISO text without a zone, as `UTCDateTime` binds one), aware."""
    made = datetime.fromisoformat(value)
    return made.replace(tzinfo=UTC) if made.tzinfo is None else made.astimezone(UTC)


def _utc_from_aware(value: datetime) -> datetime:
    """asyncpg's timestamptz (already in UTC: the connection's time zone) as `UTCDateTime`
    reads it."""
    if value.tzinfo is UTC:
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _fast(kind: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    """The same conversion as SQLAlchemy's for a column type, in one call, where it is one of
    the two a synced record's rows are mostly made of (ids and times); None for the rest."""
    if isinstance(kind, UTCDateTime):
        return _utc_from_aware if dialect.name == "postgresql" else _utc_from_text
    if isinstance(kind, Uuid) and kind.as_uuid and dialect.name == "sqlite":
        return _uuid_from_hex
    return None


def _coltype(kind: Any, dialect: Dialect) -> int | None:
    """The column type the driver would describe, where SQLAlchemy's conversion depends on it."""
    kind = getattr(kind, "impl", kind)  # a TypeDecorator's own type
    if dialect.name != "postgresql" or not isinstance(kind, Numeric | Float):
        return None
    return FLOAT8 if isinstance(kind, Float) else NUMERIC


class Compiled:
    """One Core statement compiled for a dialect: its SQL text and its parameters in order,
    with the bind conversions the dialect makes."""

    def __init__(self, statement: Any, dialect: Dialect, keys: list[str] | None = None) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=keys)
        self.sql = compiled.string
        self.names = tuple(compiled.positiontup or ())
        self.fixed = {name: value for name, value in compiled.params.items() if value is not None}
        self.binds: dict[str, Callable[[Any], Any]] = {}
        for name in self.names:
            convert = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            if convert is not None:
                self.binds[name] = convert
        # Columns an insert or update was not given a value for, that have a Python default.
        prefetch = [*getattr(compiled, "insert_prefetch", ()), *compiled.update_prefetch]
        self.defaults = {c.key: (c.default or c.onupdate) for c in prefetch}
        self.postgresql = dialect.name == "postgresql"
        # Each parameter once: its name, its conversion, and where its value comes from when
        # the call does not give it (a column's default, or the statement's own value).
        self._plan = [(name, self.binds.get(name), self.defaults.get(name)) for name in self.names]

    def args(self, params: dict[str, Any]) -> list[Any]:
        values = []
        for name, convert, default in self._plan:
            if name in params:
                value = params[name]
            elif default is not None:
                value = default.arg if default.is_scalar else default.arg(None)
            else:
                value = self.fixed[name]
            values.append(convert(value) if convert is not None and value is not None else value)
        return values


class Prepared(Compiled):
    """A query: its rows, through its result columns' conversions, as plain objects."""

    def __init__(self, statement: Any, dialect: Dialect) -> None:
        super().__init__(statement, dialect)
        columns = list(statement.selected_columns)
        # What SQLAlchemy does to each column's values. It asks the driver's column type only of
        # numbers on asyncpg (PostgreSQL's type oid: float8 or numeric, as the migrations make
        # them from these same types); no statement is prepared to learn it (PgBouncer).
        results = [
            _fast(c.type, dialect)
            or c.type.dialect_impl(dialect).result_processor(dialect, _coltype(c.type, dialect))
            for c in columns
        ]
        # Only the columns that have a conversion are visited for each row.
        self.conversions = [(n, p) for n, p in enumerate(results) if p is not None]
        # A plain object (a scope rule and `from_row` read a row's attributes by name).
        names = [c.key or f"column{n}" for n, c in enumerate(columns)]
        self.row = make_dataclass("Row", names, slots=True, eq=False)
        self.first = names[0]

    async def value(self, connection: Any, **params: Any) -> Any:
        """The first column of the first row; None for no row."""
        found = await self.rows(connection, **params)
        return getattr(found[0], self.first) if found else None

    async def rows(self, connection: Any, **params: Any) -> list[Any]:
        args = self.args(params)
        if self.postgresql:
            raw = await connection.fetch(self.sql, *args)
        else:
            raw = await connection.execute_fetchall(self.sql, args)
        conversions, row, made = self.conversions, self.row, []
        for found in raw:
            values = list(found)
            for n, convert in conversions:
                value = values[n]
                if value is not None:
                    values[n] = convert(value)
            made.append(row(*values))
        return made


class Write(Compiled):
    """An insert or an update; `keys`: the columns given (the others take their defaults)."""

    async def run(self, connection: Any, **params: Any) -> Any:
        """Once; the first column of the first row it returns (None: it returns none)."""
        args = self.args(params)
        if self.postgresql:
            return await connection.fetchval(self.sql, *args)
        found = await connection.execute_fetchall(self.sql, args)
        return found[0][0] if found else None

    async def many(self, connection: Any, rows: list[dict[str, Any]]) -> None:
        """One executemany for all the rows."""
        if rows:
            await connection.executemany(self.sql, [self.args(row) for row in rows])
