"""`backup FILE` and `restore FILE`: a consistent copy of the whole database and of the blob
store (photos and signatures), taken live, in one archive (server/ops/archive.py).

SQLite: the online backup API copies the database page by page under a read snapshot, while the
server goes on writing. PostgreSQL: pg_dump (custom format, one snapshot) and pg_restore, from
the PostgreSQL client tools of the server's major version. Everything is copied: records, the
feed and its clock, devices' last seqs, the token key, so phones carry on after a restore.
"""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from pathlib import Path

from sqlalchemy import make_url

from server.auth.tables import User
from server.blobs.store import SHA256
from server.blobs.tables import Blob
from server.ops import archive
from server.ops.leader import sqlite_path

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
# A database with accounts in it holds data; one without (new, or only migrated) is empty.
_ACCOUNTS = User.__tablename__
_BLOBS = Blob.__tablename__


class BackupError(Exception):
    """Said to the operator as it is."""


def backup(database_url: str, blob_root: Path, target: Path) -> str:
    """One archive (server/ops/archive.py): the database first, then every complete blob.

    A blob's file is in place before the row that says it is complete commits, and a blob never
    changes once there, so every blob the database copy names is on disk when the blobs are read
    after it: the archive is consistent without stopping the server."""
    target = Path(target)
    partial = target.with_name(target.name + ".partial")
    kind = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.name}.") as work:
        database = Path(work) / archive.DATABASE_MEMBERS[kind]
        if kind == "sqlite":
            _sqlite_copy(sqlite_path(database_url), database)
            named = _sqlite_blobs(database)
        else:
            _pg_run(
                "pg_dump", database_url, ["--format=custom", "--no-owner", f"--file={database}"]
            )
            named = _pg_blobs(database_url)
        present = dict(_blob_files(Path(blob_root)))
        manifest = archive.write(partial, kind, database, sorted(present.items()))
    os.replace(partial, target)
    kept = [m for name, m in manifest["members"].items() if name.startswith("blobs/")]
    said = (
        f"backed up the database and {len(kept)} blobs ({sum(m['size'] for m in kept):,} bytes "
        f"of photos and signatures) to {target} ({target.stat().st_size:,} bytes)"
    )
    missing = sorted(named - set(present))
    if missing:
        said += f"; warning: {len(missing)} blobs the database names are not in {blob_root}"
    if manifest["damaged_blobs"]:
        said += f"; warning: {len(manifest['damaged_blobs'])} damaged blobs left out"
    return said


def restore(database_url: str, blob_root: Path, source: Path) -> str:
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"there is no backup file {source}")
    magic = source.read_bytes()[:16]
    if magic == SQLITE_MAGIC or magic.startswith(PG_MAGIC):
        # A backup from before archives: the database alone.
        _restore_database(database_url, source, magic)
        return f"restored {source} into the empty database (a database-only backup: no photos)"
    if not archive.is_archive(source):
        raise BackupError(f"{source} is not a Doorstep backup")
    blob_root = Path(blob_root)
    blob_root.mkdir(parents=True, exist_ok=True)
    # Unpacked beside the blob store, so that each blob moves into place with one rename.
    with tempfile.TemporaryDirectory(dir=blob_root, prefix="restoring-") as work:
        try:
            unpacked = archive.unpack(source, Path(work))
        except archive.ArchiveError as exc:
            raise BackupError(f"refused: {exc}; nothing was restored") from exc
        want = "sqlite" if database_url.startswith("sqlite") else "postgresql"
        if unpacked.kind != want:
            raise BackupError(f"{source} is a {unpacked.kind} backup; this server uses {want}")
        _restore_database(database_url, unpacked.database, magic=None)
        for sha256, path in unpacked.blobs.items():
            final = blob_root / archive.blob_member(sha256)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, final)
    return (
        f"restored {source} into the empty database, and {len(unpacked.blobs)} blobs "
        f"into {blob_root}"
    )


def _restore_database(database_url: str, source: Path, magic: bytes | None) -> None:
    magic = source.read_bytes()[:16] if magic is None else magic
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


def _blob_files(root: Path):
    """(sha256, path) of every complete blob in the store (partial uploads are not kept)."""
    for path in (root / "blobs").glob("??/??/*"):
        if SHA256.match(path.name) and path.is_file():
            yield path.name, path


def _sqlite_blobs(copy: Path) -> set[str]:
    with closing(sqlite3.connect(copy)) as connection:
        return {row[0] for row in connection.execute(f"SELECT sha256 FROM {_BLOBS}")}


def _pg_blobs(database_url: str) -> set[str]:
    # Read after the dump: a superset of the blobs the dump names, all of them on disk already.
    listed = _pg_run(
        "psql",
        database_url,
        ["--tuples-only", "--no-align", "--command", f"SELECT sha256 FROM {_BLOBS}"],
        capture=True,
    )
    return {line.strip() for line in listed.splitlines() if line.strip()}


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
