"""Simulated phones for the load benchmark: each one its own device, token, cursor, seq and
outbox, speaking the sync protocol over one shared aiohttp session (HTTP keep-alive)."""

import asyncio
import random
import sys
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp
import msgspec

from shared import protocol

JSON = {"content-type": "application/json"}
BUSY = "HTTP 503 server_busy"  # turned away by the server's sync gate: counted, not an error


class SyncFailed(Exception):
    """A request of a sync that did not succeed; `kind` is how it is counted."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass
class Phone:
    username: str
    password: str
    device_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    token: str = ""
    cursor: str | None = None
    seq: int = 0  # the last seq given to a mutation made on this phone
    outbox: list[dict] = field(default_factory=list)  # mutations not yet acknowledged
    residents: list[str] = field(default_factory=list)  # ids in scope, for check-ins
    records: int = 0  # changes pulled so far
    clock_ms: int = 0
    clock_counter: int = 0

    def hlc(self) -> str:
        """`<13-digit ms>:<5-digit counter>:<node>`, never going backwards on this phone."""
        now = int(time.time() * 1000)
        if now > self.clock_ms:
            self.clock_ms, self.clock_counter = now, 0
        else:
            self.clock_counter += 1
        return f"{self.clock_ms:013d}:{self.clock_counter:05d}:{self.device_id[:8]}"

    def record_checkin(self, rng: random.Random) -> None:
        self.seq += 1
        self.outbox.append(
            {
                "seq": self.seq,
                "name": "checkin.record",
                "args": {
                    "id": str(uuid.uuid4()),
                    "resident_id": rng.choice(self.residents),
                    "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    "seen_in_person": True,
                    "wellbeing": rng.choice(["good", "good", "fair", "poor"]),
                    "notes": "负载测试",
                },
                "hlc": self.hlc(),
            }
        )


def _problem(status: int, body: bytes) -> str:
    try:
        code = msgspec.json.decode(body).get("code")
    except (msgspec.DecodeError, AttributeError):
        code = None
    return f"HTTP {status} {code}" if code else f"HTTP {status}"


class Fleet:
    """The phones and what happens to them: sign-in, initial sync, the loop of syncs."""

    def __init__(self, base_url: str, phones: list[Phone], page_size: int, seed: int = 1):
        self.base_url = base_url.rstrip("/")
        self.phones = phones
        self.page_size = page_size
        self.rng = random.Random(seed)
        self.errors: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()
        self.applied = 0
        self.session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> "Fleet":
        # One connection per request in flight, kept alive; no client-side timeout but a
        # generous total, so that a slow answer is measured rather than cut short.
        self.session = aiohttp.ClientSession(
            self.base_url,
            connector=aiohttp.TCPConnector(limit=0, ttl_dns_cache=None),
            timeout=aiohttp.ClientTimeout(total=120),
        )
        return self

    async def __aexit__(self, *exc) -> None:
        await self.session.close()

    async def _call(self, method: str, path: str, phone: Phone, body=None, params=None):
        headers = dict(JSON) if body is not None else {}
        if phone.token:
            headers["authorization"] = f"Bearer {phone.token}"
        data = msgspec.json.encode(body) if body is not None else None
        try:
            async with self.session.request(
                method, path, data=data, params=params, headers=headers
            ) as response:
                payload = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise SyncFailed(f"transport {type(exc).__name__}") from exc
        if status != 200:
            raise SyncFailed(_problem(status, payload))
        return msgspec.json.decode(payload)

    async def sign_in(self, phone: Phone) -> None:
        answer = await self._call(
            "POST",
            "/api/v1/auth/login",
            phone,
            {
                "username": phone.username,
                "password": phone.password,
                "device_id": phone.device_id,
                "device_name": "load benchmark",
            },
        )
        phone.token = answer["access_token"]

    async def pull(self, phone: Phone) -> None:
        """Pages from the phone's cursor until has_more is false."""
        while True:
            params = {"limit": str(self.page_size)}
            if phone.cursor:
                params["cursor"] = phone.cursor
            try:
                page = await self._call("GET", "/api/v1/sync/pull", phone, params=params)
            except SyncFailed as failure:
                if failure.kind == "HTTP 410 cursor_expired":
                    phone.cursor = None  # the phone starts over, as the app does
                raise
            for change in page["changes"]:
                if change["entity"] == "resident":
                    if change["op"] == "put":
                        phone.residents.append(change["id"])
                    elif change["id"] in phone.residents:
                        phone.residents.remove(change["id"])
            phone.records += len(page["changes"])
            phone.cursor = page["cursor"]
            phone.outbox = [m for m in phone.outbox if m["seq"] > page["last_seq"]]
            if not page["has_more"]:
                return

    async def push(self, phone: Phone) -> None:
        body = {"protocol": protocol.PROTOCOL_VERSION, "device_id": phone.device_id}
        try:
            answer = await self._call(
                "POST", "/api/v1/sync/push", phone, {**body, "mutations": phone.outbox}
            )
        except SyncFailed as failure:
            if failure.kind == "HTTP 409 seq_gap":
                phone.outbox.clear()  # a lost answer: the server holds them already
            raise
        for result in answer["results"]:
            if result["status"] == "applied":
                self.applied += 1
            elif result["status"] == "rejected":
                self.rejected[(result.get("error") or {}).get("code", "?")] += 1
        phone.outbox = [m for m in phone.outbox if m["seq"] > answer["last_seq"]]

    async def sync(self, phone: Phone, with_push: bool) -> None:
        """One sync as the app does it: the outbox first (one new check-in), then the pull."""
        if with_push and phone.residents:
            phone.record_checkin(self.rng)
        if phone.outbox:
            await self.push(phone)
        await self.pull(phone)

    async def start_all(self, in_flight: int, progress: "Progress") -> None:
        """Sign-in and initial sync of every phone, `in_flight` at a time."""
        waiting = deque(self.phones)

        async def lane() -> None:
            while waiting:
                phone = waiting.popleft()
                for _attempt in range(20):
                    try:
                        if not phone.token:
                            await self.sign_in(phone)
                        await self.pull(phone)
                    except SyncFailed as failure:
                        if failure.kind == BUSY:
                            await asyncio.sleep(1)  # as the phone does: after Retry-After
                            continue
                        self.errors[f"start: {failure.kind}"] += 1
                    break
                progress.tick()

        await asyncio.gather(*(lane() for _ in range(min(in_flight, len(self.phones)))))

    async def loop(
        self, in_flight: int, seconds: float, push_share: float, progress: "Progress"
    ) -> "Window":
        """A closed loop: `in_flight` lanes, each taking the phone that synced longest ago,
        syncing it and putting it back, until `seconds` have passed."""
        ready = deque(p for p in self.phones if p.token)
        window = Window(started=time.perf_counter())
        deadline = window.started + seconds

        async def lane() -> None:
            while time.perf_counter() < deadline and ready:
                phone = ready.popleft()
                with_push = self.rng.random() < push_share
                started = time.perf_counter()
                try:
                    await self.sync(phone, with_push)
                except SyncFailed as failure:
                    if failure.kind == BUSY:
                        window.turned_away += 1
                        # This lane's phone waits what it was told (Retry-After: 1), with the
                        # app's jitter, before the lane takes the next phone: as phones do.
                        await asyncio.sleep(1 + 0.5 * self.rng.random())
                    else:
                        self.errors[failure.kind] += 1
                        window.failed += 1
                else:
                    window.latencies.append(time.perf_counter() - started)
                    window.pushes += with_push
                ready.append(phone)
                progress.tick()

        await asyncio.gather(*(lane() for _ in range(min(in_flight, len(ready)))))
        window.ended = time.perf_counter()
        return window


@dataclass
class Window:
    """What the measured loop did."""

    started: float
    ended: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, successful syncs only
    failed: int = 0
    turned_away: int = 0  # syncs the server answered 503 server_busy (not in latencies)
    pushes: int = 0

    @property
    def seconds(self) -> float:
        return self.ended - self.started


class Progress:
    """A one-line progress bar on stderr, redrawn at most a few times a second."""

    def __init__(self, label: str, total: float, by_time: bool) -> None:
        self.label, self.total, self.by_time = label, total, by_time
        self.done = 0
        self.started = time.perf_counter()
        self.drawn = 0.0
        self.errors: Counter[str] | None = None

    def tick(self) -> None:
        self.done += 1
        now = time.perf_counter()
        if now - self.drawn >= 0.25:
            self.drawn = now
            self.draw(now)

    def draw(self, now: float) -> None:
        elapsed = now - self.started
        part = min(1.0, (elapsed if self.by_time else self.done) / max(self.total, 1e-9))
        bar = "#" * int(part * 30)
        rate = self.done / elapsed if elapsed else 0.0
        errors = sum(self.errors.values()) if self.errors is not None else 0
        sys.stderr.write(
            f"\r{self.label} [{bar:<30}] {part:4.0%} {elapsed:5.1f}s "
            f"{self.done} done {rate:6.1f}/s errors {errors} "
        )
        sys.stderr.flush()

    def close(self) -> None:
        self.draw(time.perf_counter())
        sys.stderr.write("\n")
        sys.stderr.flush()
