"""Hybrid logical clock: wall-time ms, a counter and a node id, written so strings sort in order.

Written `<13-digit Unix ms>:<5-digit counter>:<node id>`. `now()` never goes backwards and
`receive()` moves the clock past a remote timestamp, so an edit made after seeing another
always carries a later stamp, whatever the wall clocks say.
"""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

_PATTERN = re.compile(r"(\d{13}):(\d{5}):([0-9a-zA-Z_-]{1,32})")
MAX_COUNTER = 99_999


@dataclass(frozen=True, order=True)
class Timestamp:
    millis: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.millis:013d}:{self.counter:05d}:{self.node}"

    @classmethod
    def parse(cls, text: str) -> "Timestamp":
        match = _PATTERN.fullmatch(text)
        if match is None:
            raise ValueError(f"not a hybrid logical clock timestamp: {text!r}")
        return cls(int(match[1]), int(match[2]), match[3])


def is_valid(text: str) -> bool:
    return isinstance(text, str) and _PATTERN.fullmatch(text) is not None


def wall_millis() -> int:
    return time.time_ns() // 1_000_000


class Clock:
    """One node's clock. `wall` is injectable so tests can skew it."""

    def __init__(self, node: str, wall: Callable[[], int] = wall_millis, last: str | None = None):
        if not re.fullmatch(r"[0-9a-zA-Z_-]{1,32}", node):
            raise ValueError(f"bad node id {node!r}")
        self.node = node
        self._wall = wall
        self._millis, self._counter = 0, 0
        if last:
            stamp = Timestamp.parse(last)
            self._millis, self._counter = stamp.millis, stamp.counter

    def _advance(self, floor_millis: int, floor_counter: int) -> Timestamp:
        wall = self._wall()
        if wall > floor_millis:
            self._millis, self._counter = wall, 0
        else:
            self._millis, self._counter = floor_millis, floor_counter + 1
            if self._counter > MAX_COUNTER:
                # The counter is spent: borrow the next millisecond rather than overflow.
                self._millis, self._counter = floor_millis + 1, 0
        return Timestamp(self._millis, self._counter, self.node)

    def now(self) -> str:
        return str(self._advance(self._millis, self._counter))

    def receive(self, remote: str) -> str:
        """Move past a remote timestamp; returns the new local stamp."""
        stamp = Timestamp.parse(remote)
        floor = max((self._millis, self._counter), (stamp.millis, stamp.counter))
        return str(self._advance(*floor))

    @property
    def last(self) -> str:
        return str(Timestamp(self._millis, self._counter, self.node))


def clamp(remote: str, server_clock: Clock) -> str:
    """The stamp the server credits a remote write with.

    A stamp ahead of the server's clock is replaced by the server's clock at arrival, so a phone
    whose clock runs fast cannot win every later conflict. A stamp at or behind it stands.
    """
    local = server_clock.now()
    return local if Timestamp.parse(remote) > Timestamp.parse(local) else remote
