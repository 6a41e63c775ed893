"""Worker accounts for the simulated phones, added to a demo database before its server starts:
one person a phone, spread evenly over the district's communities."""

from sqlalchemy import select

from server.auth.passwords import hash_password
from server.auth.tables import User
from server.db.sessions import create_engine_for, session_factory
from server.org.tables import OrgUnit
from shared.enums import OrgLevel, Role


def username(number: int) -> str:
    return f"load{number:05d}"


async def add_workers(url: str, count: int, password: str) -> list[str]:
    """`count` workers, load00000…, round-robin over the communities; returns their usernames.
    They share one password hash at the demo's cheap cost (sign-in is not what is measured)."""
    engine = create_engine_for(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            communities = (
                await session.scalars(
                    select(OrgUnit)
                    .where(OrgUnit.level == OrgLevel.COMMUNITY)
                    .order_by(OrgUnit.code)
                )
            ).all()
            password_hash = hash_password(password, 1024, 1)
            names = [username(n) for n in range(count)]
            session.add_all(
                User(
                    username=name,
                    display_name=f"网格员 {n:05d}",
                    role=Role.WORKER,
                    org_unit_id=communities[n % len(communities)].id,
                    password_hash=password_hash,
                )
                for n, name in enumerate(names)
            )
    finally:
        await engine.dispose()
    return names
