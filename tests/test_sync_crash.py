"""The server process killed with SIGKILL in the middle of a large push, then restarted."""

import signal
import threading
import uuid

import httpx
from sqlalchemy import func, select

from mobile.core.sync import Retry, SyncError
from server.auth.tables import MutationLog
from server.db.sessions import create_engine_for, session_factory
from server.visits.tables import Checkin
from tests.support.live import free_port, spawn_server
from tests.support.phones import make_phone

MUTATIONS = 5000  # ten full batches


async def _counts(url: str, device_id: str) -> tuple[int, int, list[int]]:
    engine = create_engine_for(url)
    async with session_factory(engine)() as session:
        checkins = await session.scalar(
            select(func.count())
            .select_from(Checkin)
            .where(Checkin.device_id == uuid.UUID(device_id))
        )
        seqs = (
            await session.scalars(
                select(MutationLog.seq)
                .where(MutationLog.device_id == uuid.UUID(device_id))
                .order_by(MutationLog.seq)
            )
        ).all()
    await engine.dispose()
    return checkins, len(seqs), list(seqs)


def test_sigkill_mid_push_then_retry_applies_everything_once(database_url, tmp_path):
    import asyncio

    port = free_port()
    server = spawn_server(database_url, port)
    pushes: list = []  # the big push's batches seen (the second holds the kill)

    def kill_during_the_second_batch(request: httpx.Request) -> None:
        # The first batch has been answered (so committed); the kill lands while the second
        # is on its way or being applied: whichever, it is never the last one. (Polling the
        # database for the first batch missed it once pushes went gzip-encoded and fast.)
        if request.url.path == "/api/v1/sync/push" and request.method == "POST":
            if len(pushes) == 1:
                pushes.append(threading.Timer(0.02, server.send_signal, (signal.SIGKILL,)))
                pushes[-1].start()
            elif not pushes:
                pushes.append(None)

    hooks = {"request": [kill_during_the_second_batch]}
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", timeout=60, event_hooks=hooks
        ) as http:
            phone = make_phone(
                tmp_path, http, "worker1", retry=Retry(attempts=1, sleep=lambda s: 0)
            )
            phone.sync()
            residents = [r["id"] for r in phone.store.all("resident")]
            for n in range(MUTATIONS):
                phone.store.record(
                    "checkin.record",
                    {
                        "id": str(uuid.uuid4()),
                        "resident_id": residents[n % len(residents)],
                        "at": "2026-11-27T10:00:00Z",
                        "seen_in_person": True,
                        "wellbeing": "good",
                        "notes": f"第{n}次",
                    },
                )
            outcome: list[BaseException | None] = []

            def push() -> None:
                try:
                    phone.sync()
                    outcome.append(None)
                except SyncError as exc:
                    outcome.append(exc)

            pushes.clear()  # count from the big push
            pusher = threading.Thread(target=push)
            pusher.start()
            pusher.join(timeout=60)
            server.wait()
            assert outcome and isinstance(outcome[0], SyncError), "the kill came too late"
            checkins, logged, _ = asyncio.run(_counts(database_url, phone.store.device_id))
            assert 500 <= logged < MUTATIONS and checkins == logged
            assert phone.store.pending_count() > 0

            server = spawn_server(database_url, port)
            phone.sync()
            assert phone.store.pending_count() == 0
            assert phone.store.outbox(("rejected",)) == []
            checkins, logged, seqs = asyncio.run(_counts(database_url, phone.store.device_id))
            assert seqs == list(range(1, MUTATIONS + 1))
            assert checkins == MUTATIONS
    finally:
        server.kill()
        server.wait()
