"""The lean pull (server/sync/lean.py, the driver's own connection) answers byte for byte what
the ORM's pull (`service.pull`, in a session) answers, for every demo account, page by page."""

import msgspec
import pytest

from server.auth.service import authenticate
from server.clock import utcnow
from server.demo.seed import DEMO_ACCOUNTS
from server.sync import service
from shared.protocol import PullResponse


async def orm_answer(api, session, cursor: str | None, limit: int) -> PullResponse:
    runtime = api.runtime
    async with runtime.read_sessions() as db, db.begin():
        principal = await authenticate(db, runtime, f"Bearer {session.token}", utcnow())
        return await service.pull(db, runtime, principal, cursor, limit)


@pytest.mark.parametrize("limit", [7, 500])
async def test_the_lean_pull_answers_as_the_orm_pull_does(api, limit):
    for username, *_ in DEMO_ACCOUNTS:
        session = await api.login(username)
        cursor, pages = None, 0
        while True:
            params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
            response = await session.get("/api/v1/sync/pull", params=params)
            assert response.status_code == 200, response.text
            assert response.headers["content-type"] == "application/json"
            lean = msgspec.json.decode(response.content)
            expected = await orm_answer(api, session, cursor, limit)
            # The server clock's reading is the one thing that differs between two answers.
            expected = msgspec.structs.replace(expected, server_hlc=lean["server_hlc"])
            assert response.content == msgspec.json.encode(expected), (username, pages)
            cursor, pages = lean["cursor"], pages + 1
            if not lean["has_more"]:
                break
        assert pages >= 1
        # And the empty pull from the end.
        response = await session.get("/api/v1/sync/pull", params={"cursor": cursor})
        expected = await orm_answer(api, session, cursor, 500)
        assert not expected.changes
        lean = msgspec.json.decode(response.content)
        expected = msgspec.structs.replace(expected, server_hlc=lean["server_hlc"])
        assert response.content == msgspec.json.encode(expected)


async def test_the_lean_pull_leaves_its_connection_usable_after_a_refusal(api):
    session = await api.login("worker1")
    for _ in range(30):  # more than the pool holds: a refusal gives its connection back
        foreign = await session.get("/api/v1/sync/pull", params={"cursor": "bm90LW91cnM"})
        assert foreign.status_code == 422
    assert (await session.get("/api/v1/sync/pull")).status_code == 200


async def test_a_connection_left_in_doubt_is_closed_and_the_next_pull_gets_another(api):
    """Anything but a refusal (a cancelled request, a broken socket) may leave the driver's
    connection mid-conversation: it is closed, not given back to the pool."""
    from server.sync import lean

    session = await api.login("worker1")
    with pytest.raises(RuntimeError):
        async with lean.driver_connection(api.runtime.engine) as connection:
            in_doubt = connection
            raise RuntimeError("the request was cancelled mid-read")
    if api.runtime.engine.dialect.name == "postgresql":
        assert in_doubt.is_closed()
    else:
        assert in_doubt._connection is None  # aiosqlite's: its sqlite3 connection closed
    for _ in range(3):
        assert (await session.get("/api/v1/sync/pull")).status_code == 200
