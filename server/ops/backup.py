"""`backup FILE` and `restore FILE`: a consistent copy of the whole database, taken live.

SQLite: the online backup API copies the database page by page under a read snapshot, while the
server goes on writing. PostgreSQL: pg_dump (custom format, one snapshot) and pg_restore, from
the PostgreSQL client tools of the server's major version. Everything is copied: records, the
feed and its clock, devices' last seqs, the token key, so phones carry on after a restore.
"""

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy import make_url

from server.auth.tables import User
from server.ops.leader import sqlite_path

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
# A database with accounts in it holds data; one without (new, or only migrated) is empty.
_ACCOUNTS = User.__tablename__


class BackupError(Exception):
    """Said to the operator as it is."""


def backup(database_url: str, target: Path) -> str:
    target = Path(target)
    partial = target.with_name(target.name + ".partial")
    if database_url.startswith("sqlite"):
        _sqlite_copy(sqlite_path(database_url), partial)
    else:
        _pg_run("pg_dump", database_url, ["--format=custom", "--no-owner", f"--file={partial}"])
    os.replace(partial, target)
    return f"backed up the database to {target} ({target.stat().st_size:,} bytes)"


def restore(database_url: str, source: Path) -> str:
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"there is no backup file {source}")
    magic = source.read_bytes()[:16]
    if database_url.startswith("sqlite"):
        if magic != SQLITE_MAGIC:
            raise BackupError(f"{source} is not a SQLite backup (made on PostgreSQL?)")
        path = sqlite_path(database_url)
        if _sqlite_holds_data(path):
            raise BackupError(f"{path} already holds data: restore only into an empty database")
        path.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(source, path)
    else:
        if not magic.startswith(PG_MAGIC):
            raise BackupError(f"{source} is not a PostgreSQL backup (made on SQLite?)")
        if _pg_holds_data(database_url):
            raise BackupError("the database already holds data: restore only into an empty one")
        # --clean drops the empty tables a `migrate` may have made before recreating them.
        _pg_run(
            "pg_restore",
            database_url,
            ["--clean", "--if-exists", "--no-owner", "--single-transaction", str(source)],
        )
    return f"restored {source} into the empty database"


# Feed versions the old server may have handed out after the backup was taken. A phone that
# pulled some of them holds a cursor past the backup's clock; new writes on the restored server
# are numbered above this gap so that such a cursor cannot skip them.
RESTORE_VERSION_GAP = 1_000_000_000


async def after_restore(database_url: str) -> int:
    """Move the restored feed clock past any version the lost server can have given out."""
    from sqlalchemy import text

    from server.db import create_engine_for

    engine = create_engine_for(database_url)
    try:
        async with engine.begin() as connection:
            return (
                await connection.execute(
                    text(
                        "UPDATE feed_clock SET version = version + :gap WHERE id = 1 "
                        "RETURNING version"
                    ),
                    {"gap": RESTORE_VERSION_GAP},
                )
            ).scalar_one()
    finally:
        await engine.dispose()


def _sqlite_copy(source: Path, target: Path) -> None:
    # Opened read-only by URI so that a missing source is an error, not a new empty file.
    if not Path(source).is_file():
        raise BackupError(f"there is no database file {source}")
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as origin,
        closing(sqlite3.connect(target)) as destination,
    ):
        origin.backup(destination)
        # The copy would keep the source's WAL mode and be read with -wal/-shm files beside
        # it; a backup file stands alone. (The server turns WAL on again when it opens it.)
        destination.execute("PRAGMA journal_mode=DELETE")


def _sqlite_holds_data(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    with closing(sqlite3.connect(path)) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        if _ACCOUNTS not in tables:
            return False
        return connection.execute(f"SELECT 1 FROM {_ACCOUNTS}").fetchone() is not None


def _pg_holds_data(database_url: str) -> bool:
    found = _pg_run(
        "psql",
        database_url,
        [
            "--tuples-only",
            "--no-align",
            "--command",
            "SELECT count(*) FROM information_schema.tables "
            f"WHERE table_schema = 'public' AND table_name = '{_ACCOUNTS}'",
        ],
        capture=True,
    )
    if found.strip() == "0":
        return False
    rows = _pg_run(
        "psql",
        database_url,
        ["--tuples-only", "--no-align", "--command", f"SELECT count(*) FROM {_ACCOUNTS}"],
        capture=True,
    )
    return rows.strip() != "0"


def _pg_run(tool: str, database_url: str, args: list[str], capture: bool = False) -> str:
    if shutil.which(tool) is None:
        raise BackupError(
            f"{tool} is not installed: install the PostgreSQL client tools of the server's "
            "major version (Debian: postgresql-client-15)"
        )
    url = make_url(database_url)
    # The password goes through the environment, never the command line (visible in ps).
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    dsn = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    done = subprocess.run(
        [tool, f"--dbname={dsn}", *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip()}")
    return done.stdout
