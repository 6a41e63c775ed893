"""The app under test: in-process over ASGI, with helpers to sign in and call it."""

import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from server.app import create_app, start_runtime, stop_runtime
from server.config import Settings
from testbed import cheap_settings

PASSWORD = "demo-pass-2026"


make_settings = cheap_settings


@dataclass
class Session:
    """One signed-in device."""

    client: httpx.AsyncClient
    username: str
    device_id: str
    token: str
    refresh_token: str
    user: dict
    seq: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}

    async def get(self, url: str, **kwargs) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return await self.client.get(url, headers=headers, **kwargs)

    async def post(self, url: str, **kwargs) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return await self.client.post(url, headers=headers, **kwargs)

    async def patch(self, url: str, **kwargs) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return await self.client.patch(url, headers=headers, **kwargs)

    async def push(self, *mutations: tuple[str, dict], hlc: str | None = None) -> httpx.Response:
        batch = []
        for name, args in mutations:
            self.seq += 1
            batch.append(
                {
                    "seq": self.seq,
                    "name": name,
                    "args": args,
                    "hlc": hlc or f"{1_700_000_000_000 + self.seq:013d}:00000:test",
                }
            )
        return await self.post(
            "/api/v1/sync/push",
            json={"protocol": 1, "device_id": self.device_id, "mutations": batch},
        )

    async def pull_all(self, cursor: str | None = None, limit: int = 500) -> tuple[dict, str]:
        """Every page from `cursor`; returns {(entity, id): data or None} and the last cursor."""
        records: dict[tuple[str, str], Any] = {}
        while True:
            params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
            response = await self.get("/api/v1/sync/pull", params=params)
            assert response.status_code == 200, response.text
            page = response.json()
            for change in page["changes"]:
                key = (change["entity"], change["id"])
                records[key] = change.get("data") if change["op"] == "put" else None
            cursor = page["cursor"]
            if not page["has_more"]:
                return records, cursor


@dataclass
class Api:
    client: httpx.AsyncClient
    app: Any

    @classmethod
    @asynccontextmanager
    async def start(cls, settings: Settings):
        app = create_app(settings)
        # Started by hand: the ASGI transport sends no lifespan events.
        await start_runtime(app)
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://doorstep") as client:
                yield cls(client, app)
        finally:
            await stop_runtime(app)

    async def login(
        self, username: str, password: str = PASSWORD, device_id: str | None = None
    ) -> Session:
        device_id = device_id or str(uuid.uuid4())
        response = await self.client.post(
            "/api/v1/auth/login",
            json={"username": username, "password": password, "device_id": device_id},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        return Session(
            self.client,
            username,
            device_id,
            body["access_token"],
            body["refresh_token"],
            body["user"],
        )

    @property
    def runtime(self):
        return self.app.state.runtime


async def database_state(api: Api) -> dict[str, object]:
    """Row counts of every table and the feed clock: equal before and after means unchanged.

    Failed logins and public-door attempts are left out: counting them is the point of the
    rate limits.
    """
    from sqlalchemy import func, select, text
    from sqlmodel import SQLModel

    state: dict[str, object] = {}
    async with api.runtime.sessions() as session:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in ("login_failure", "throttle_hit"):
                continue
            state[table.name] = await session.scalar(select(func.count()).select_from(table))
        state["feed"] = await session.scalar(text("SELECT version FROM feed_clock"))
        state["revs"] = (
            await session.execute(
                text(
                    "SELECT (SELECT coalesce(sum(rev), 0) FROM resident), "
                    "(SELECT coalesce(sum(rev), 0) FROM visit)"
                )
            )
        ).one()
    return state
