"""The admin CLI: run the server, migrate, load the demo district, create accounts."""

import argparse
import asyncio
import logging
import sys

from server.config import Settings, settings_from_env
from server.db.migrate import upgrade
from server.demo.seed import DemoRefused, has_demo, seed_demo
from server.storage import create_engine_for, session_factory
from shared.enums import Role

log = logging.getLogger("doorstep")


async def _in_transaction(settings: Settings, work):
    engine = create_engine_for(settings.database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            return await work(session)
    finally:
        await engine.dispose()


async def _seed(settings: Settings, skip_if_present: bool) -> str:
    async def work(session):
        if skip_if_present and await has_demo(session):
            return "the demo district is already loaded"
        counts = await seed_demo(session, settings)
        return (
            f"loaded the demo district: {counts['units']} org units, "
            f"{counts['residents']} residents, {counts['users']} accounts, "
            f"{counts['requests']} hotline requests"
        )

    return await _in_transaction(settings, work)


async def _create_user(settings: Settings, args: argparse.Namespace) -> str:
    from sqlalchemy import select

    from server.auth.passwords import hash_password
    from server.auth.tables import User
    from server.org.service import unit_by_code

    async def work(session):
        unit = await unit_by_code(session, args.org_unit)
        if unit is None:
            raise SystemExit(f"error: no org unit with code {args.org_unit!r}")
        if await session.scalar(select(User).where(User.username == args.username)):
            raise SystemExit(f"error: the username {args.username!r} is taken")
        user = User(
            username=args.username,
            display_name=args.display_name or args.username,
            role=args.role,
            org_unit_id=unit.id,
            password_hash=hash_password(
                args.password, settings.password_memory_kib, settings.password_iterations
            ),
        )
        session.add(user)
        return f"created {args.role} {args.username} in {unit.code} ({user.id})"

    return await _in_transaction(settings, work)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start the server (migrates the database first)")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--demo", action="store_true", help="load the demo district if empty")
    commands.add_parser("migrate", help="bring the database schema up to date")
    commands.add_parser("seed-demo", help="load the demo district into an empty database")
    create = commands.add_parser("create-user", help="create an account")
    create.add_argument("--username", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--org-unit", required=True, help="the unit's code, e.g. D01-S01-C01")
    create.add_argument("--display-name")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = settings_from_env()
    try:
        upgrade(settings.database_url)
        if args.command == "migrate":
            print("the database schema is up to date")
        elif args.command == "seed-demo":
            print(asyncio.run(_seed(settings, skip_if_present=False)))
        elif args.command == "create-user":
            print(asyncio.run(_create_user(settings, args)))
        elif args.command == "run":
            return _run(settings, args)
    except DemoRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _run(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app

    if args.demo:
        print(asyncio.run(_seed(settings, skip_if_present=True)))
    print(
        f"Doorstep on http://{args.host}:{args.port}  (API docs: /schema, health: /health, "
        f"database: {settings.dialect})"
    )
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level="info",
        access_log=False,
        http="httptools",
        loop="uvloop",
        proxy_headers=False,
    )
    return 0
