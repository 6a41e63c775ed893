"""PgBouncer in transaction mode in front of PostgreSQL: Debian's `pgbouncer`, started here on a
free port, two server processes through it (DOORSTEP_DATABASE_POOLER=pgbouncer: no prepared
statement outlives its transaction), the leader's advisory lock on a direct connection. Phones
push through both processes at once; every pull sees every write, none skipped."""

import asyncio
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy import make_url

from server.ops.leader import ADVISORY_KEY
from tests.support.live import free_port, spawn_server
from tests.support.phones import make_phone
from tests.test_ops_processes import postgres_url  # noqa: F401 (a fixture)

PGBOUNCER = shutil.which("pgbouncer") or next(
    (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if Path(p).exists()), None
)
if PGBOUNCER is None and os.environ.get("CI") != "true":
    pytest.skip(
        "Debian's pgbouncer is not installed (apt-get install pgbouncer; scripts/setup.sh "
        "installs it, and CI runs this test)",
        allow_module_level=True,
    )
VIA_POOLER = "via_pgbouncer"


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _wait_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pgbouncer exited: {log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("pgbouncer did not listen")


@pytest.fixture
def pgbouncer(postgres_url, tmp_path):  # noqa: F811
    """PgBouncer (transaction mode) in front of the PostgreSQL behind `postgres_url`; yields the
    URL through it."""
    assert PGBOUNCER is not None, "CI must have pgbouncer: scripts/setup.sh installs it"
    direct = make_url(postgres_url)
    folder = Path(tmp_path) / "pgbouncer"
    folder.mkdir()
    port = free_port()
    users = folder / "users.txt"
    users.write_text(f'"{direct.username}" "{direct.password or ""}"\n')
    config = folder / "pgbouncer.ini"
    config.write_text(
        "[databases]\n"
        f"* = host={direct.host} port={direct.port or 5432} "
        f"connect_query='SET application_name = ''{VIA_POOLER}'''\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {users}\n"
        "pool_mode = transaction\nmax_client_conn = 200\ndefault_pool_size = 8\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
    )
    for path in (folder, users, config):
        path.chmod(0o755 if path.is_dir() else 0o644)
    log = folder / "pgbouncer.log"
    # PgBouncer will not run as root: as root (CI), it reads its files, then becomes nobody.
    as_user = ["-u", "nobody"] if os.geteuid() == 0 else []
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            [PGBOUNCER, *as_user, str(config)], stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        _wait_port(port, process, log)
        yield direct.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


async def _lock_holders(direct_url: str) -> list[str]:
    """The application_name of each connection that holds the leader's advisory lock."""
    connection = await asyncpg.connect(_dsn(direct_url))
    try:
        rows = await connection.fetch(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database()) AND "
            "((l.classid::bigint << 32) | l.objid::bigint) = $1",
            ADVISORY_KEY,
        )
        return [row["application_name"] for row in rows]
    finally:
        await connection.close()


def test_two_processes_through_pgbouncer_keep_the_sync_properties(
    postgres_url,  # noqa: F811
    pgbouncer,
    tmp_path,
):
    env = {
        "DOORSTEP_DATABASE_POOLER": "pgbouncer",
        "DOORSTEP_DIRECT_DATABASE_URL": postgres_url,
        "DOORSTEP_BACKGROUND_EVERY_S": "0.5",
    }
    ports = [free_port(), free_port()]
    processes: list[subprocess.Popen] = []
    clients = [httpx.Client(base_url=f"http://127.0.0.1:{p}", timeout=60) for p in ports]
    try:
        for port in ports:
            processes.append(spawn_server(pgbouncer, port, env=env))
        # The leader's lock: held once, on a direct connection (not one PgBouncer hands out).
        deadline = time.monotonic() + 20
        while not (holders := asyncio.run(_lock_holders(postgres_url))):
            assert time.monotonic() < deadline, "no process took the leader's lock"
            time.sleep(0.2)
        assert len(holders) == 1 and holders[0] != VIA_POOLER
        names = ("worker1", "worker2", "worker1", "worker2")
        workers = [make_phone(tmp_path, clients[n % 2], name) for n, name in enumerate(names)]
        for phone in workers:
            phone.sync()
        made: list[str] = []

        def work(phone) -> None:
            residents = phone.store.all("resident")
            for round_ in range(3):
                for resident in residents[:3]:
                    checkin = str(uuid.uuid4())
                    made.append(checkin)
                    phone.store.record(
                        "checkin.record",
                        {
                            "id": checkin,
                            "resident_id": resident["id"],
                            "at": "2026-11-27T09:30:00Z",
                            "seen_in_person": True,
                            "wellbeing": "good",
                            "notes": f"经由连接池 {round_}",
                        },
                    )
                phone.sync()

        threads = [threading.Thread(target=work, args=(phone,)) for phone in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert all(phone.store.pending_count() == 0 for phone in workers)
        assert not [e for p in workers for e in p.store.outbox(("rejected",))]
        # A supervisor on each process, and each worker again: every check-in, none skipped.
        for client in clients:
            supervisor = make_phone(tmp_path, client, "supervisor1")
            supervisor.sync()
            held = {c["id"] for c in supervisor.store.all("checkin")}
            assert set(made) <= held
        # Each worker's phone holds what a new phone of the same account pulls from the other
        # process: no change skipped, none extra.
        for n, (phone, name) in enumerate(zip(workers, names, strict=True)):
            phone.sync()
            fresh = make_phone(tmp_path, clients[(n + 1) % 2], name)
            fresh.sync()
            assert phone.store.server_copy() == fresh.store.server_copy()
        # Nothing went wrong with prepared statements on the way.
        for process in processes:
            assert process.poll() is None
    finally:
        for client in clients:
            client.close()
        for process in processes:
            process.terminate()
            process.wait(timeout=20)
