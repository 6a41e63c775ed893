"""A PostgreSQL primary and its streaming replica, made from the installed PostgreSQL binaries
(`initdb`, `pg_basebackup`, `pg_ctl`) in a temporary folder on free loopback ports, for the
replica test and benchmark. The machine's own cluster is never touched: the two clusters have
their own folders, ports and socket folder, and are stopped and deleted afterwards.

PostgreSQL refuses to run as root. Run as root, the clusters run as the `postgres` account
(through `runuser`), which owns the temporary folder; otherwise as the current user.
"""

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from testbed.servers import free_port

# DOORSTEP_PG_BIN names another folder of PostgreSQL programs (the tests want 15 or later).
PG_BIN = Path(os.environ.get("DOORSTEP_PG_BIN") or "/usr/lib/postgresql/15/bin")
PROGRAMS = ("initdb", "pg_basebackup", "pg_ctl")
RUN_AS_WHEN_ROOT = "postgres"


def _account() -> str | None:
    """The account the clusters run as: None = this process's own."""
    return RUN_AS_WHEN_ROOT if os.geteuid() == 0 else None


def unavailable() -> str | None:
    """Why a primary and replica cannot be made here (None: they can)."""
    missing = [name for name in PROGRAMS if not (PG_BIN / name).exists()]
    if missing:
        return f"no PostgreSQL programs {', '.join(missing)} in {PG_BIN} (set DOORSTEP_PG_BIN)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(RUN_AS_WHEN_ROOT)
        except KeyError:
            return f"running as root and there is no {RUN_AS_WHEN_ROOT!r} account to run as"
        if shutil.which("runuser") is None:
            return "running as root and `runuser` is missing"
    return None


@dataclass
class Cluster:
    """One running PostgreSQL cluster of ours."""

    folder: Path
    port: int
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.folder.parent / f"{self.folder.name}.log"

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"


@dataclass
class Pair:
    """A primary and its streaming replica (hot standby)."""

    root: Path
    primary: Cluster
    replica: Cluster


def _run(*command: str, check: bool = True) -> subprocess.CompletedProcess:
    account = _account()
    full = ["runuser", "-u", account, "--", *command] if account else list(command)
    result = subprocess.run(full, capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {result.stderr or result.stdout}")
    return result


def _settings(cluster: Cluster, durable: bool) -> str:
    lines = [
        f"port = {cluster.port}",
        "listen_addresses = '127.0.0.1'",
        f"unix_socket_directories = '{cluster.folder.parent}'",
        "wal_level = replica",
        "max_wal_senders = 4",
        "hot_standby = on",
        # Vacuum on the primary does not cancel a pull that is reading the replica.
        "hot_standby_feedback = on",
        "max_connections = 120",
        "shared_buffers = 64MB",
    ]
    if not durable:  # a test's clusters: nothing needs to survive a crash of the machine
        # (commits still wait for their WAL write: `caught_up` waits for the written WAL)
        lines += ["fsync = off", "full_page_writes = off"]
    return "\n".join(lines) + "\n"


def start(cluster: Cluster) -> None:
    """Starts a cluster of ours and waits until it accepts connections."""
    _run(
        str(PG_BIN / "pg_ctl"),
        "-D",
        str(cluster.folder),
        "-l",
        str(cluster.log),
        "-w",
        "-t",
        "60",
        "start",
    )


def stop(cluster: Cluster) -> None:
    """Stops a cluster of ours at once (a crash, as far as it knows)."""
    if (cluster.folder / "postmaster.pid").exists():
        _run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(cluster.folder),
            "-m",
            "immediate",
            "-w",
            "stop",
            check=False,
        )


@contextlib.contextmanager
def primary_and_replica(durable: bool = False) -> Iterator[Pair]:
    """A running primary and a streaming replica of it (users: `postgres`, trust on
    127.0.0.1); both stopped and their folder deleted afterwards."""
    reason = unavailable()
    if reason:
        raise RuntimeError(reason)
    root = Path(tempfile.mkdtemp(prefix="doorstep-replica-"))
    account = _account()
    if account:
        entry = pwd.getpwnam(account)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    root.chmod(0o700)
    pair = Pair(root, Cluster(root / "primary", free_port()), Cluster(root / "replica", 0))
    try:
        _run(
            str(PG_BIN / "initdb"),
            "-D",
            str(pair.primary.folder),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        _append(pair.primary.folder / "postgresql.conf", _settings(pair.primary, durable))
        start(pair.primary)
        pair.replica.port = free_port()
        # -R: standby.signal and primary_conninfo; -X stream: the WAL made meanwhile too.
        _run(
            str(PG_BIN / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(pair.primary.port),
            "-U",
            "postgres",
            "-D",
            str(pair.replica.folder),
            "-R",
            "-X",
            "stream",
            "--checkpoint=fast",
            "--no-sync",
        )
        _append(pair.replica.folder / "postgresql.conf", _settings(pair.replica, durable))
        start(pair.replica)
        yield pair
    finally:
        stop(pair.replica)
        stop(pair.primary)
        shutil.rmtree(root, ignore_errors=True)


def _append(path: Path, text: str) -> None:
    # The file belongs to the clusters' account; root may write it, the rest is theirs.
    with path.open("a") as handle:
        handle.write(text)


async def caught_up(primary_dsn: str, replica_dsn: str, timeout_s: float = 60) -> None:
    """Waits until the replica has replayed everything the primary had written when called."""
    import asyncio

    import asyncpg

    primary = await asyncpg.connect(primary_dsn)
    try:
        target = await primary.fetchval("SELECT pg_current_wal_lsn()::text")
    finally:
        await primary.close()
    replica = await asyncpg.connect(replica_dsn)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            behind = await replica.fetchval(
                "SELECT pg_wal_lsn_diff($1::text::pg_lsn, pg_last_wal_replay_lsn()) > 0", target
            )
            if not behind:
                return
            if time.monotonic() > deadline:
                raise RuntimeError("the replica did not catch up with the primary")
            await asyncio.sleep(0.05)
    finally:
        await replica.close()
