"""A lean push's writes on PostgreSQL in one statement: one round trip instead of seven.

What a push of a few check-ins writes (server/sync/lean_push.py: the records, the mutation log,
the audit entries, the device's last seq, the feed clock, the feed entries and the NOTIFY) goes
to PostgreSQL as one statement of data-modifying CTEs:

    WITH w0 AS (INSERT INTO checkin (…) VALUES (…)),
         w1 AS (INSERT INTO mutation_log (…) VALUES (…)),
         w2 AS (INSERT INTO audit_entry (…) VALUES (…)),
         d AS (UPDATE device SET last_seq = …, last_seen_at = … WHERE device.id = …),
         clock AS (UPDATE feed_clock SET version = version + 1 WHERE id = 1 RETURNING version),
         f AS (INSERT INTO feed_entry (version, …) VALUES ((SELECT version FROM clock), …))
    SELECT version, pg_notify(channel, version || ' ' || keys) FROM clock

Every part runs exactly once and to completion whether or not the final SELECT reads it
(PostgreSQL's rule for WITH), all in the push's transaction, and the constraints hold at the
statement's end as they would after seven. The parts are the statements `prepared.Write`
compiles from the tables (their columns, their bind casts, their conversions), placed one
after another with their placeholders numbered on; the text is kept per shape (how many rows
of which table), so a phone's usual push of one check-in is prepared once per connection.

A push of more than `MAX_ROWS` rows in a table goes the multi-statement way (an executemany a
table): its parameters would pass PostgreSQL's limit, and a statement that size saves little.
The NOTIFY says the keys, or "*" (read them from the feed) when they might not fit in a
notification, as `feed.notify.payload` does.
"""

import re
from collections import OrderedDict
from typing import Any

from sqlalchemy import insert, literal_column

from server.feed import notify
from server.feed.tables import FeedEntry
from server.sync.prepared import Write

MAX_ROWS = 32  # rows of one table in one statement
_SHAPES = 256  # statement texts kept, the most recently used
_PLACEHOLDER = re.compile(r"\$(\d+)")
_LONGEST_VERSION = 20  # digits of a bigint


def _renumbered(sql: str, offset: int) -> str:
    return _PLACEHOLDER.sub(lambda found: f"${int(found[1]) + offset}", sql)


class Batch:
    """The statement for one dialect's compiled writes (one per engine dialect)."""

    def __init__(self, dialect: Any, seen: Write, bump: Write) -> None:
        self.seen, self.bump = seen, bump
        # The feed's rows take the version the clock's CTE returns, not a parameter.
        # (Inline: no RETURNING of the key the expression makes.)
        entries = (
            insert(FeedEntry.__table__)
            .values(version=literal_column("(SELECT version FROM clock)"))
            .inline()
        )
        self.feed = Write(entries, dialect, ["ord", "key", "entity", "record_id"])
        self._texts: OrderedDict[tuple, str] = OrderedDict()

    def fits(self, groups: list[tuple[Write, list[dict]]], entries: list[dict]) -> bool:
        return all(len(rows) <= MAX_ROWS for _, rows in groups) and len(entries) <= MAX_ROWS

    async def run(
        self,
        connection: Any,
        groups: list[tuple[Write, list[dict]]],
        device: dict[str, Any],
        entries: list[dict],
        keys: list[str],
    ) -> int | None:
        """Every write in one statement; the feed version it committed at (None: no entry)."""
        groups = [(write, rows) for write, rows in groups if rows]
        shape = (tuple((id(write), len(rows)) for write, rows in groups), len(entries))
        sql = self._texts.get(shape)
        if sql is None:
            sql = self._text(groups, len(entries))
            self._texts[shape] = sql
            if len(self._texts) > _SHAPES:
                self._texts.popitem(last=False)
        else:
            self._texts.move_to_end(shape)
        args: list[Any] = []
        for write, rows in groups:
            for row in rows:
                args.extend(write.args(row))
        args.extend(self.seen.args(device))
        if entries:
            args.extend(self.bump.args({}))
            for row in entries:
                args.extend(self.feed.args(row))
            said = " ".join(keys)
            if len(said) + 1 + _LONGEST_VERSION > notify.MAX_PAYLOAD:
                said = notify.EVERY_KEY
            args.extend((notify.CHANNEL, said))
        return await connection.fetchval(sql, *args)

    def _text(self, groups: list[tuple[Write, list[dict]]], entries: int) -> str:
        parts, used = [], 0
        for number, (write, rows) in enumerate(groups):
            head, _, values = write.sql.partition(" VALUES ")
            width = len(write.names)
            listed = ", ".join(_renumbered(values, used + k * width) for k in range(len(rows)))
            parts.append(f"w{number} AS ({head} VALUES {listed})")
            used += width * len(rows)
        parts.append(f"d AS ({_renumbered(self.seen.sql, used)})")
        used += len(self.seen.names)
        if not entries:
            return f"WITH {', '.join(parts)} SELECT NULL"
        parts.append(f"clock AS ({_renumbered(self.bump.sql, used)})")
        used += len(self.bump.names)
        head, _, values = self.feed.sql.partition(" VALUES ")
        width = len(self.feed.names)
        listed = ", ".join(_renumbered(values, used + k * width) for k in range(entries))
        parts.append(f"f AS ({head} VALUES {listed})")
        used += width * entries
        notice = f"pg_notify(${used + 1}::text, version::text || ' ' || ${used + 2}::text)"
        return f"WITH {', '.join(parts)} SELECT version, {notice} FROM clock"
