"""The admin CLI: run the server, migrate, load the demo district, create accounts and Open311
API keys, back up."""

import argparse
import asyncio
import logging
import os
import shutil
import sys

from server.config import Settings, settings_from_env
from server.db.migrate import upgrade
from server.db.sessions import create_engine_for, session_factory
from server.demo.seed import DemoRefused, has_demo, seed_demo
from server.ops import logs
from shared.enums import Role

log = logging.getLogger("doorstep")


async def _in_transaction(settings: Settings, work):
    engine = create_engine_for(settings.database_url, settings.database_pooler)
    try:
        async with session_factory(engine)() as session, session.begin():
            return await work(session)
    finally:
        await engine.dispose()


async def _seed(settings: Settings, skip_if_present: bool, requests: int = 0) -> str:
    async def work(session):
        if skip_if_present and await has_demo(session):
            return "the demo district is already loaded"
        counts = await seed_demo(session, settings, requests=requests)
        return (
            f"loaded the demo district: {counts['units']} org units, "
            f"{counts['residents']} residents, {counts['users']} accounts, "
            f"{counts['requests']} hotline requests ({counts['escalations']} escalations "
            "as the rules made them over the seeded days)"
        )

    return await _in_transaction(settings, work)


async def _create_user(settings: Settings, args: argparse.Namespace) -> str:
    import msgspec
    from sqlalchemy import func, select

    from server.accounts.schemas import UserCreate
    from server.auth.passwords import hash_password
    from server.auth.tables import User
    from server.errors import Refusal
    from server.org.service import department_by_code, unit_by_code

    try:  # the API's checks: username, password length, display name
        msgspec.convert(
            {
                "username": args.username,
                "password": args.password,
                "display_name": args.display_name or args.username,
                "role": args.role,
                "org_unit_code": args.org_unit,
            },
            UserCreate,
        )
    except msgspec.ValidationError as exc:
        raise SystemExit(f"error: {exc}") from None

    async def work(session):
        unit = await unit_by_code(session, args.org_unit)
        if unit is None:
            raise SystemExit(f"error: no org unit with code {args.org_unit!r}")
        department = None
        if (args.role == Role.DEPARTMENT) != bool(args.department):
            raise SystemExit("error: --department names the department of a department account")
        if args.department:
            try:
                department = await department_by_code(session, args.department)
            except Refusal:
                raise SystemExit(f"error: no department with code {args.department!r}") from None
        taken = func.lower(User.username) == args.username.lower()
        if await session.scalar(select(User).where(taken)):
            raise SystemExit(f"error: the username {args.username!r} is taken")
        user = User(
            username=args.username,
            display_name=args.display_name or args.username,
            role=args.role,
            org_unit_id=unit.id,
            department_id=department.id if department else None,
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
    run.add_argument(
        "--workers", type=int, default=1, help="server processes on the port (PostgreSQL only)"
    )
    commands.add_parser(
        "worker", help="run only the background round (escalation, plans, compaction)"
    )
    compact = commands.add_parser("compact-feed", help="drop old feed entries; older cursors 410")
    compact.add_argument("--older-than", type=float, required=True, metavar="DAYS")
    backup = commands.add_parser("backup", help="copy the database and the photos to FILE, live")
    backup.add_argument("file")
    restore = commands.add_parser(
        "restore", help="restore FILE into an empty database and its blob store"
    )
    restore.add_argument("file")
    commands.add_parser("migrate", help="bring the database schema up to date")
    seed = commands.add_parser("seed-demo", help="load the demo district into an empty database")
    seed.add_argument(
        "--requests",
        type=int,
        default=0,
        metavar="N",
        help="also N hotline requests over the past year (a district's year: 100000)",
    )
    create = commands.add_parser("create-user", help="create an account")
    create.add_argument("--username", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--org-unit", required=True, help="the unit's code, e.g. D01-S01-C01")
    create.add_argument("--display-name")
    create.add_argument(
        "--department", help="for role department: the member department's code, e.g. DEP01"
    )
    key = commands.add_parser("create-api-key", help="print a new Open311 API key")
    key.add_argument("--name", required=True, help="who the key is for, e.g. an app's name")
    commands.add_parser("list-api-keys", help="list the Open311 API keys (names, not keys)")
    revoke = commands.add_parser("revoke-api-key", help="revoke an Open311 API key")
    revoke.add_argument("--name", required=True)
    args = parser.parse_args(argv)
    # Logging first, from the environment alone: whatever fails from here on (the settings, the
    # database, the migrations) is one log line in the chosen format, not a bare traceback.
    logs.configure(os.environ.get("DOORSTEP_LOG_FORMAT", "text"))
    try:
        return _command(args)
    except Exception:
        log.exception(
            "doorstep %s failed", args.command, extra={"fields": {"command": args.command}}
        )
        return 1


def _command(args: argparse.Namespace) -> int:
    settings = settings_from_env()
    logs.configure(settings.log_format)
    if args.command in ("backup", "restore"):
        return _backup_or_restore(settings, args)
    if args.command == "seed-demo" and not 0 <= args.requests <= 1_000_000:
        print("error: --requests is a number from 0 to 1000000", file=sys.stderr)
        return 2
    try:
        upgrade(settings.session_database_url)
        if args.command == "migrate":
            print("the database schema is up to date")
        elif args.command == "seed-demo":
            print(asyncio.run(_seed(settings, skip_if_present=False, requests=args.requests)))
        elif args.command == "create-user":
            print(asyncio.run(_create_user(settings, args)))
        elif args.command in ("create-api-key", "list-api-keys", "revoke-api-key"):
            return _api_keys(settings, args)
        elif args.command == "compact-feed":
            print(asyncio.run(_compact(settings, args.older_than)))
        elif args.command == "worker":
            return _worker(settings)
        elif args.command == "run":
            return _run(settings, args)
    except DemoRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _api_keys(settings: Settings, args: argparse.Namespace) -> int:
    """Open311 keys: a new one is printed once (only its hash is kept)."""
    from server.clock import utcnow
    from server.open311 import keys

    async def work(session):
        if args.command == "create-api-key":
            return await keys.create(session, args.name, utcnow())
        if args.command == "revoke-api-key":
            if not await keys.revoke(session, args.name, utcnow()):
                raise ValueError(f"no key in use called {args.name!r}")
            return f"revoked the key {args.name!r}"
        rows = await keys.listing(session)
        return (
            "\n".join(
                f"{k.name}\tcreated {k.created_at:%Y-%m-%d}"
                + (f"\trevoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "")
                for k in rows
            )
            or "no keys"
        )

    try:
        print(asyncio.run(_in_transaction(settings, work)))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _run(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    if args.workers > 1 and settings.dialect == "sqlite":
        print(
            "error: --workers > 1 needs PostgreSQL (DOORSTEP_DATABASE_URL=postgresql+asyncpg://…)."
            " On SQLite every write goes through one file lock, so more processes add no "
            "throughput (see docs/deploy.md); run one process.",
            file=sys.stderr,
        )
        return 2
    if args.demo:
        log.info(asyncio.run(_seed(settings, skip_if_present=True)))
    # On stderr through the log like every other line (a server's stdout stays empty).
    log.info(
        f"Doorstep on http://{args.host}:{args.port}  (API docs: /schema, health: /health, "
        f"ready: /ready, metrics: /metrics, database: {settings.dialect}, "
        f"processes: {args.workers})",
        extra={
            "fields": {
                "host": args.host,
                "port": args.port,
                "database": settings.dialect,
                "processes": args.workers,
            }
        },
    )
    options = {
        "host": args.host,
        "port": args.port,
        "log_config": None,
        "access_log": False,
        "http": "httptools",
        "loop": "uvloop",
        # The client address is the socket's; /metrics and the sign-in throttle decide for
        # themselves what to believe of a proxy's X-Forwarded-For (DOORSTEP_TRUSTED_PROXIES).
        "proxy_headers": False,
        # Live-update streams never end by themselves: on SIGTERM they get this long, then are
        # cut (the phones reconnect to another process or after the restart).
        "timeout_graceful_shutdown": 5,
    }
    if args.workers == 1:
        uvicorn.run(serve_app(), **options)
        return 0
    made = _multiprocess_metrics()
    try:
        uvicorn.run("server.cli:serve_app", factory=True, workers=args.workers, **options)
    finally:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)
    return 0


def serve_app():
    """The app as each server process makes it (uvicorn imports this in every worker)."""
    from server.app import create_app
    from server.ops import heap

    settings = settings_from_env()
    logs.configure(settings.log_format)
    app = create_app(settings)
    app.on_startup.append(heap.settle)  # after the runtime's own start-up
    return app


def _multiprocess_metrics() -> str | None:
    """Let the worker processes share their counters through files (prometheus-client);
    returns the folder when it made one (removed again at exit)."""
    import tempfile
    from pathlib import Path

    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        # Counters of an earlier run would otherwise be summed with this one's.
        for stale in Path(folder).glob("*.db"):
            stale.unlink()
        return None
    folder = tempfile.mkdtemp(prefix="doorstep-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    return folder


def _worker(settings: Settings) -> int:
    """The background round alone, for a deployment that keeps it out of the web processes."""
    from server.ops import background
    from server.ops.leader import Leadership
    from server.runtime import Runtime

    if not settings.escalation_every_s:
        print("error: DOORSTEP_BACKGROUND_EVERY_S is 0: nothing to do", file=sys.stderr)
        return 2

    async def work() -> None:
        engine = create_engine_for(settings.database_url, settings.database_pooler)
        runtime = Runtime(settings=settings, engine=engine, sessions=session_factory(engine))
        try:
            await background.run_background_rounds(
                runtime, Leadership(settings.session_database_url)
            )
        finally:
            await engine.dispose()

    log.info(
        "background worker: a round every %s s when this process leads", settings.escalation_every_s
    )
    try:
        asyncio.run(work())
    except KeyboardInterrupt:
        pass
    return 0


async def _compact(settings: Settings, days: float) -> str:
    from server.clock import utcnow
    from server.sync import compaction

    async def work(session):
        now = utcnow()
        await compaction.mark(session, now)
        done = await compaction.compact_older_than(session, days, now)
        if not done.removed and days > 0:
            return (
                f"removed nothing; the horizon stays at version {done.horizon} (the feed keeps "
                "an hourly mark of its version, and none is yet that old)"
            )
        return f"removed {done.removed} feed entries; cursors below version {done.horizon} expire"

    return await _in_transaction(settings, work)


def _backup_or_restore(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from server.ops import backup

    try:
        if args.command == "backup":
            print(backup.backup(settings.database_url, settings.blob_root, Path(args.file)))
        else:
            print(backup.restore(settings.database_url, settings.blob_root, Path(args.file)))
            # A backup from an older release is brought up to this release's schema.
            upgrade(settings.database_url)
            version = asyncio.run(backup.after_restore(settings.database_url))
            print(f"the feed goes on from version {version}")
    except backup.BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
