"""The phone's sync client: push the outbox, pull the feed, rebase, and handle every answer.

The HTTP client is passed in (an httpx.Client with whatever transport), so tests run it against
the real server in-process or over loopback. One `sync()` pushes every pending mutation, then
pulls pages until the server has no more, then replays what is still unconfirmed over the new
data. Network errors and 5xx are retried with backoff (a busy server's 503 after the
`Retry-After` it names, with jitter); the cursor is stored with each page, so an interrupted
sync resumes where it stopped.
"""

import hashlib
import random
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import msgspec

from mobile.core import signing
from mobile.core.blobs import BlobStore
from mobile.core.compression import compressed_json
from mobile.core.refresh import Refreshing
from mobile.core.store import LocalStore
from mobile.core.sync_errors import (
    Busy,
    DeviceRevoked,
    Offline,
    ServerTrouble,
    SignedOut,
    SyncError,
    UpdateRequired,
)
from mobile.core.uploads import BlobRefused, Uploader, named_blobs
from shared.protocol import MAX_MUTATIONS_PER_PUSH, MAX_PUSH_BYTES, PROTOCOL_VERSION

Progress = Callable[[str, int, int | None], None]  # phase, done, about how many in all


@dataclass
class SyncReport:
    pushed: int = 0
    applied: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    pulled: int = 0
    pages: int = 0
    restarted: bool = False


@dataclass
class Retry:
    attempts: int = 4
    first_delay: float = 0.5
    factor: float = 2.0
    sleep: Callable[[float], None] = time.sleep
    # A busy server's Retry-After is stretched by up to half again, at random, so the phones
    # it turned away together do not all come back in the same instant.
    jitter: Callable[[], float] = random.random


def _retry_after(response: httpx.Response) -> float | None:
    """The seconds a 503 asks to wait (its Retry-After, in seconds), or None."""
    if response.status_code != 503:
        return None
    try:
        return min(max(float(response.headers.get("retry-after", "")), 0.0), 300.0)
    except ValueError:
        return None


class SyncClient(Refreshing):
    def __init__(
        self,
        store: LocalStore,
        http: httpx.Client,
        retry: Retry | None = None,
        page_size: int = 500,
        blobs: BlobStore | None = None,
        chunk: int | None = None,
    ) -> None:
        self.store = store
        self.http = http
        self.retry = retry or Retry()
        self.page_size = page_size
        self.blobs = blobs  # the photos and signatures kept on this phone, if it keeps any
        self.chunk = chunk  # upload chunk size (default: uploads.CHUNK)

    # -- signing in -----------------------------------------------------------------------

    def login(self, username: str, password: str, device_name: str = "phone") -> dict[str, Any]:
        """Sign in; the store must be set up (PIN chosen) so the tokens can be sealed."""
        response = self._send(
            "POST",
            "/api/v1/auth/login",
            json={
                "username": username,
                "password": password,
                "device_id": self.store.device_id,
                "device_name": device_name,
                "device_public_key": signing.public_key(self.store),
            },
            authorized=False,
        )
        if response.status_code == 401:
            raise SignedOut(response.json().get("detail", "Wrong username or password."))
        self._raise_for(response)
        self._keep_tokens(response.json())
        return response.json()["user"]

    def _keep_tokens(self, body: dict[str, Any]) -> None:
        self.store.set_secret(
            "tokens", {"access": body["access_token"], "refresh": body["refresh_token"]}
        )
        self.store.set_secret("user", body["user"])
        if body.get("timezone"):
            self.store.set_meta("timezone", body["timezone"])

    def _refresh(self) -> None:
        tokens = self.store.secret("tokens")
        if not tokens:
            raise SignedOut("Sign in first.")
        response = self._send(
            "POST",
            "/api/v1/auth/refresh",
            json={"refresh_token": tokens["refresh"]},
            authorized=False,
        )
        if response.status_code == 401:
            raise SignedOut("The session has ended. Sign in again.")
        self._raise_for(response)
        self._keep_tokens(response.json())

    # -- HTTP with retries ----------------------------------------------------------------

    def _send(self, method: str, path: str, authorized: bool = True, **kwargs) -> httpx.Response:
        delay = self.retry.first_delay
        extra = kwargs.pop("headers", None) or {}
        for attempt in range(1, self.retry.attempts + 1):
            # Answers come gzip-encoded (a pull page ~6× smaller); httpx inflates them.
            headers = {"accept-encoding": "gzip", **extra}
            if authorized:
                headers["authorization"] = (
                    f"Bearer {(self.store.secret('tokens') or {}).get('access', '')}"
                )
            try:
                response = self.http.request(method, path, headers=headers, **kwargs)
            except httpx.TransportError as exc:
                if attempt == self.retry.attempts:
                    raise Offline(f"The server cannot be reached ({type(exc).__name__}).") from exc
            else:
                if response.status_code < 500:
                    return response
                busy = _retry_after(response)
                if attempt == self.retry.attempts:
                    if busy is not None:
                        raise Busy("The server is busy; the phone will try again.", "server_busy")
                    raise ServerTrouble(
                        f"The server is having trouble (HTTP {response.status_code}).",
                        "server_error",
                    )
                if busy is not None:
                    self.retry.sleep(busy * (1 + 0.5 * self.retry.jitter()))
                    continue
            self.retry.sleep(delay)
            delay *= self.retry.factor
        raise AssertionError("unreachable")

    def _call(
        self, method: str, path: str, allow: tuple[int, ...] = (409, 410), **kwargs
    ) -> httpx.Response:
        """An authorized call; refreshes the access token once when it has expired."""
        response = self._send(method, path, **kwargs)
        if response.status_code == 401:
            self._refresh()
            response = self._send(method, path, **kwargs)
        self._raise_for(response, allow=allow)
        return response

    def _raise_for(self, response: httpx.Response, allow: tuple[int, ...] = ()) -> None:
        if response.status_code < 400 or response.status_code in allow:
            return
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        code = problem.get("code")
        if code == "device_revoked":
            self.store.wipe()
            raise DeviceRevoked("This phone was revoked by a supervisor; its data was erased.")
        if response.status_code == 426:
            raise UpdateRequired("Please update the app to keep syncing.")
        if response.status_code == 401:
            raise SignedOut(problem.get("detail", "Sign in again."))
        raise SyncError(problem.get("detail") or f"HTTP {response.status_code}", code)

    # -- the sync -------------------------------------------------------------------------

    def sync(self, progress: Progress | None = None) -> SyncReport:
        report = SyncReport()
        self.push(report, progress)
        self.pull(report, progress)
        self.refresh_if_due(report)
        return report

    def download(self, sha256: str) -> tuple[bytes, str] | None:
        """A photo or signature from the server (its bytes and type), if this person's scope
        holds a record naming it; None otherwise."""
        response = self._call("GET", f"/api/v1/blobs/{sha256}", allow=(404,))
        if response.status_code != 200 or hashlib.sha256(response.content).hexdigest() != sha256:
            return None
        return response.content, response.headers.get("content-type", "image/jpeg")

    def _uploader(self) -> Uploader | None:
        if self.blobs is None:
            return None
        return Uploader(self.blobs, self._call, **({"chunk": self.chunk} if self.chunk else {}))

    def _send_blobs(self, hashes: list[str], progress: Progress | None) -> None:
        uploader = self._uploader()
        if uploader is None or not hashes:
            return
        try:
            uploader.send(hashes, lambda done, total: progress and progress("upload", done, total))
        except BlobRefused as exc:
            # Not a photo this app makes (it strips EXIF and names bytes by their hash): the
            # outbox and the photo stay, the reason is shown.
            raise SyncError(f"The server refused a photo: {exc}") from exc

    def push(self, report: SyncReport, progress: Progress | None = None) -> None:
        """Pushes the outbox a batch at a time; the photos and signatures a batch names are
        uploaded before it (the server refuses a batch naming a blob it lacks)."""
        missing_rounds = 0
        while True:
            batch = self._next_batch()
            if not batch:
                return
            self._send_blobs([sha for e in batch for sha in named_blobs(e.args)], progress)
            body = {
                "protocol": PROTOCOL_VERSION,
                "device_id": self.store.device_id,
                "mutations": [
                    {"seq": e.seq, "name": e.name, "args": e.args, "hlc": e.hlc} for e in batch
                ],
            }
            data, headers = compressed_json(body)
            response = self._call("POST", "/api/v1/sync/push", content=data, headers=headers)
            if response.status_code == 409 and response.json().get("code") == "blobs_missing":
                # The server lost or never finished one: send those again, then the batch.
                missing_rounds += 1
                if missing_rounds > 3:
                    raise SyncError("The server is still missing photos after sending them.")
                self._forget_confirmation(response.json().get("missing") or [])
                self._send_blobs(response.json().get("missing") or [], progress)
                continue
            if response.status_code == 409:
                self._after_gap(response.json(), batch[0].seq)
                continue
            answer = response.json()
            self.store.settle(answer["results"])
            self._confirm_blobs(batch, answer["results"])
            report.pushed += len(batch)
            for result in answer["results"]:
                if result["status"] == "rejected" or result.get("error"):
                    report.rejected.append(result)
                elif result["status"] == "applied":
                    report.applied += 1
                report.conflicts.extend(result.get("conflicts") or [])
            if progress:
                progress("push", report.pushed, None)

    def _forget_confirmation(self, hashes: list[str]) -> None:
        """Blobs the server says it lacks are sent again if this phone still has the bytes."""
        for sha in hashes:
            if self.blobs is None or not self.blobs.has_bytes(sha):
                raise SyncError("The server is missing a photo this phone no longer has.")
            self.blobs.unconfirm(sha)

    def _confirm_blobs(self, batch, results: list[dict[str, Any]]) -> None:
        """A blob the server holds, named by a mutation it applied, is safe there: keep only
        its thumbnail here."""
        if self.blobs is None:
            return
        applied = {
            r["seq"]
            for r in results
            if r["status"] in ("applied", "duplicate") and not r.get("error")
        }
        for entry in batch:
            if entry.seq in applied:
                for sha in named_blobs(entry.args):
                    self.blobs.confirm(sha)

    def _next_batch(self):
        batch, size = [], 200
        for entry in self.store.outbox(("pending",), limit=MAX_MUTATIONS_PER_PUSH):
            size += len(str(entry.args)) + 200
            if len(batch) == MAX_MUTATIONS_PER_PUSH or (batch and size > MAX_PUSH_BYTES // 2):
                break
            batch.append(entry)
        return batch

    def _after_gap(self, problem: dict[str, Any], first_sent: int) -> None:
        expected = int(problem.get("expected", 0))
        if expected > first_sent:
            # A push whose answer was lost was applied: those seqs are the server's already.
            self.store.mark_acked_before(expected)
            return
        raise SyncError(f"The server expects change {expected}, which this phone no longer has.")

    def _fetch_page(self, cursor: str | None) -> dict[str, Any] | None:
        """One page from `cursor`; None when the server can no longer serve the cursor."""
        params = {"limit": self.page_size, **({"cursor": cursor} if cursor else {})}
        response = self._call("GET", "/api/v1/sync/pull", params=params)
        if response.status_code == 410:
            return None
        return msgspec.json.decode(response.content)

    def pull(self, report: SyncReport, progress: Progress | None = None) -> None:
        """Pages until the server has no more. The next page is fetched while this one is
        stored (one transaction a page), so the network and the phone work at once; a cut
        sync resumes from the last page stored."""
        done = 0
        page = self._fetch_page(self.store.meta("cursor"))
        if page is not None and not page["has_more"]:
            # One page (a sync with little or nothing new, most of them): no thread for it.
            self._store_page(page, report, progress, done)
            self._pulled(page)
            return
        upcoming: Future = Future()
        upcoming.set_result(page)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pull") as ahead:
            while True:
                page = upcoming.result()
                if page is None:
                    self.store.forget_server_data()
                    report.restarted = True
                    upcoming = ahead.submit(self._fetch_page, None)
                    continue
                if page["has_more"]:
                    upcoming = ahead.submit(self._fetch_page, page["cursor"])
                count = self._store_page(page, report, progress, done)
                done += count
                if not page["has_more"]:
                    break
        self._pulled(page)

    def _pulled(self, page: dict[str, Any]) -> None:
        """After the last page: the outbox up to what the server has, the overlay rebuilt."""
        self.store.acknowledge_up_to(page["last_seq"])
        self.store.rebase()
        self.store.set_meta("last_synced_at", time.time())

    def _store_page(self, page, report: SyncReport, progress: Progress | None, done: int) -> int:
        count = self.store.apply_page(page["changes"], page["cursor"], page["last_seq"])
        report.pulled += count
        report.pages += 1
        self.store.observe_server_clock(page["server_hlc"])
        if progress:
            estimate = page.get("estimated_total")
            progress("pull", done + count, done + estimate if estimate is not None else None)
        return count
