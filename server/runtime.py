"""What a running server holds: settings, the database, the token key and the server clock."""

import asyncio
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server.config import Settings
from shared.hlc import Clock


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    # Sessions for requests that only read (GET, HEAD): on SQLite they never wait for a writer.
    read_sessions: async_sessionmaker[AsyncSession] | None = None
    # SQLite: one writer at a time per file. Writing requests queue here, in order, instead of
    # in SQLite's busy handler, whose growing sleeps made the slowest writes take seconds.
    write_gate: asyncio.Lock | None = None
    token_key: bytes = b""
    # Each server process is its own node of the hybrid logical clock.
    sync_gate: Any = None  # syncs in progress and turned away (server/sync/gate.py)
    live: Any = None  # the live-update streams of this process (server/sync/live.py)
    blob_store: Any = None  # where photos and signatures are kept (server/blobs/store.py)
    # Where pulls read (server/sync/replica.py): the streaming replica of
    # DOORSTEP_READ_DATABASE_URL, or None when pulls read the primary.
    pull_reader: Any = None
    clock: Clock = field(default_factory=lambda: Clock("srv" + secrets.token_hex(3)))
