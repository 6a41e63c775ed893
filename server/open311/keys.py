"""Open311 API keys: made by `python -m server create-api-key`, shown once, kept as SHA-256;
listed and revoked from the command line."""

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import ProblemError
from server.open311.tables import Open311ApiKey

PREFIX = "o311_"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create(session: AsyncSession, name: str, now: datetime) -> str:
    """A new key for the client called `name` (unique); the key is returned once."""
    if not name.strip() or len(name) > 80:
        raise ValueError("a key's name is 1 to 80 characters")
    if await session.scalar(select(Open311ApiKey).where(Open311ApiKey.name == name)):
        raise ValueError(f"a key called {name!r} exists already")
    key = PREFIX + secrets.token_urlsafe(32)
    session.add(Open311ApiKey(name=name, key_hash=_hash(key), created_at=now))
    return key


async def listing(session: AsyncSession) -> list[Open311ApiKey]:
    return list((await session.scalars(select(Open311ApiKey).order_by(Open311ApiKey.name))).all())


async def revoke(session: AsyncSession, name: str, now: datetime) -> bool:
    """Revoke the key called `name`; False when there is no such key in use."""
    found = await session.scalar(select(Open311ApiKey).where(Open311ApiKey.name == name))
    if found is None or found.revoked_at is not None:
        return False
    found.revoked_at = now
    return True


async def check(session: AsyncSession, key: str | None) -> Open311ApiKey:
    """The key's record; 403 for a missing, unknown or revoked key (the same answer)."""
    found = None
    if key and len(key) <= 200:
        found = await session.scalar(
            select(Open311ApiKey).where(Open311ApiKey.key_hash == _hash(key))
        )
    if found is None or found.revoked_at is not None:
        raise ProblemError(403, "forbidden", "Invalid api_key: get one from the district.")
    return found
