"""What the app can do, without Kivy: sign in, unlock, list and work visits, sync in the
background. The Kivy screens call only this; tests drive it directly too.
"""

import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from mobile.core.conflicts import Review
from mobile.core.crypto import Argon2Cost, KdfCost, WrongPin
from mobile.core.fieldwork import Fieldwork, Fix
from mobile.core.live import Live, LiveStream
from mobile.core.reading import Reading, utc_now
from mobile.core.store import LocalStore
from mobile.core.sync import (
    Busy,
    DeviceRevoked,
    Offline,
    Retry,
    ServerTrouble,
    SignedOut,
    SyncClient,
    SyncError,
    SyncReport,
    UpdateRequired,
)
from shared import mutations as m
from shared import visits as machine
from shared.permissions import may_send


@dataclass
class SyncState:
    """What the sync bar shows."""

    online: bool = False
    running: bool = False
    pending: int = 0
    last_synced_at: float | None = None
    done: int = 0
    total: int | None = None
    problem: str | None = None  # a translation key, or a sentence from the server
    problem_code: str | None = None  # the server's code for that sentence (worded from it)
    revoked: bool = False
    phase: str = ""  # "upload" (done/total in bytes of photos) or "pull" (records)


class Phone(Reading, Review, Fieldwork, Live):
    """One installation of the app: its store, its server, its signed-in person."""

    def __init__(
        self,
        folder: Path,
        http_factory: Callable[[str], httpx.Client] | None = None,
        kdf_cost: KdfCost | Argon2Cost | None = None,
        retry: Retry | None = None,
        upload_chunk: int | None = None,
    ) -> None:
        self.folder = Path(folder)
        self._retry = retry
        self._upload_chunk = upload_chunk
        self.store = LocalStore(self.folder / "doorstep-phone.db", kdf_cost=kdf_cost)
        self._http_factory = http_factory or (lambda url: httpx.Client(base_url=url, timeout=20))
        self._http: httpx.Client | None = None
        self.state = SyncState(last_synced_at=self.store.meta("last_synced_at"))
        self._sync_lock = threading.Lock()
        self.listeners: list[Callable[[SyncState], None]] = []
        self.last_activity = time.monotonic()
        self.live: LiveStream | None = None

    # -- first run, PIN, session ---------------------------------------------------------

    @property
    def is_set_up(self) -> bool:
        return self.store.is_set_up and self.store.meta("signed_in", False)

    @property
    def is_unlocked(self) -> bool:
        return self.store.is_unlocked

    @property
    def server_url(self) -> str:
        return self.store.meta("server_url", "http://127.0.0.1:8000")

    def _client(self) -> SyncClient:
        if self._http is None:
            self._http = self._http_factory(self.server_url)
        return SyncClient(
            self.store,
            self._http,
            retry=self._retry,
            page_size=1000,
            blobs=self.blobs,
            chunk=self._upload_chunk,
        )

    def sign_in(self, server_url: str, username: str, password: str, pin: str) -> dict:
        """First run. Raises SignedOut (wrong password) or Offline; leaves nothing behind then."""
        if not (pin.isdigit() and 4 <= len(pin) <= 8):
            raise ValueError("pin_short")
        self.store.set_meta("server_url", server_url.rstrip("/"))
        self._http = None
        self.store.set_up(pin)
        self._blobs = None
        try:
            user = self._client().login(username, password)
        except (SyncError, httpx.HTTPError):
            self.store.wipe()
            raise
        self.store.set_meta("signed_in", True)
        return user

    def unlock(self, pin: str) -> None:
        self.store.unlock(pin)  # raises WrongPin
        self._blobs = None  # opened again with the key just unwrapped
        self.touch()

    def lock(self) -> None:
        self.stop_live()
        self.store.lock()
        self._blobs = None

    def close(self) -> None:
        """The app is closing: the live stream stops, the connection to the server closes (a
        client made by the given factory is the phone's own), the store closes."""
        self.stop_live()
        if self._http is not None:
            self._http.close()
            self._http = None
        self.store.close()

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    def idle_for(self) -> float:
        return time.monotonic() - self.last_activity

    def wipe(self) -> None:
        self.stop_live()
        self.store.wipe()
        shutil.rmtree(self.folder / "blobs", ignore_errors=True)
        self._blobs = None
        self.state = SyncState()
        self._notify()

    log_out = wipe  # signing out of a shared phone leaves no one's data behind

    @property
    def user(self) -> dict:
        return self.store.secret("user") or {}

    @property
    def role(self) -> str:
        return self.user.get("role", "")

    @property
    def language(self) -> str:
        return self.store.meta("language", "zh")

    def set_language(self, language: str) -> None:
        self.store.set_meta("language", language)

    # -- doing ---------------------------------------------------------------------------

    def _make(self, args: m.Args) -> int:
        self.touch()
        seq = self.store.make(args)
        self.state.pending = self.store.pending_count()
        self._notify()
        return seq

    def _record(self, name: str, args: dict[str, Any]) -> int:
        """Queue a mutation already in its wire form (one carrying a signed proof)."""
        self.touch()
        seq = self.store.record(name, args)
        self.state.pending = self.store.pending_count()
        self._notify()
        return seq

    def may_send(self, name: str) -> bool:
        """Whether this person's role may make the mutation at all (the registry says)."""
        return may_send(self.role, name)

    def start_visit(self, visit_id: str) -> int:
        return self._make(m.VisitStart(visit_id=uuid.UUID(visit_id), at=utc_now()))

    def record_checkin(
        self,
        resident_id: str,
        visit_id: str | None,
        seen_in_person: bool | None,
        wellbeing: str,
        notes: str,
        needs: str = "",
        home_safety: dict[str, bool] | None = None,
    ) -> int:
        """A check-in; refuses (ValueError) an unanswered wellbeing or seen in person."""
        if wellbeing not in ("good", "fair", "poor", "emergency"):
            raise ValueError("choose_wellbeing")
        if seen_in_person is None:
            raise ValueError("choose_seen")
        return self._make(
            m.CheckinRecord(
                id=uuid.uuid4(),
                resident_id=uuid.UUID(resident_id),
                visit_id=uuid.UUID(visit_id) if visit_id else None,
                at=utc_now(),
                seen_in_person=seen_in_person,
                wellbeing=wellbeing,
                notes=notes,
                needs=needs,
                home_safety=home_safety or {},
            )
        )

    def complete_visit(self, visit_id: str, summary: str) -> int:
        """Complete the visit with its proof (photos, signature, place), signed by this phone;
        refuses (ValueError) what the server would: no summary, a visit not in progress."""
        if not summary.strip():
            raise ValueError("summary_required")
        if not self.can(self.visit(visit_id) or {"status": "in_progress"}, "complete"):
            raise ValueError("cannot_complete")
        typed = m.VisitComplete(visit_id=uuid.UUID(visit_id), at=utc_now(), summary=summary.strip())
        seq = self._queue(typed, self.proof_args(visit_id))
        self.store.set_secret(self._draft_key(visit_id), None)
        return seq

    def update_resident(self, resident_id: str, **fields: Any) -> int | None:
        current = self.resident(resident_id) or {}
        changed = {k: v for k, v in fields.items() if current.get(k) != v}
        if not changed:
            return None
        return self._make(
            m.ResidentUpdate(id=uuid.UUID(resident_id), fields=m.ResidentFields(**changed))
        )

    def log_assistance(
        self, resident_id: str, kind: str, amount_cny: float | None, description: str
    ) -> int:
        return self._make(
            m.AssistanceLog(
                id=uuid.uuid4(),
                resident_id=uuid.UUID(resident_id),
                at=utc_now(),
                kind=kind,
                amount_cny=amount_cny,
                description=description,
            )
        )

    def decide(self, visit_id: str, approve: bool, reason: str = "") -> int:
        if not approve and not reason.strip():
            raise ValueError("reason_required")
        return self._make(
            m.ApprovalDecide(
                visit_id=uuid.UUID(visit_id),
                decision="approve" if approve else "reject",
                reason=reason.strip() or None,
            )
        )

    def can(self, visit: dict, action: str) -> bool:
        return machine.can(visit["status"], action)

    def dismiss_rejection(self, seq: int) -> None:
        self.store.dismiss_rejected(seq)

    # -- syncing -------------------------------------------------------------------------

    def _notify(self) -> None:
        for listener in list(self.listeners):
            listener(self.state)

    def sync(self) -> SyncReport | None:
        """One sync; updates `state` and tells the listeners (from this thread)."""
        if not self.store.is_unlocked or not self._sync_lock.acquire(blocking=False):
            return None
        self.state.running, self.state.done, self.state.total = True, 0, None
        self._notify()
        report = None
        try:
            report = self._client().sync(progress=self._progress)
            self.fetch_proof_thumbnails()
            self.state.online, self.state.problem, self.state.problem_code = True, None, None
            self.state.last_synced_at = self.store.meta("last_synced_at")
        except DeviceRevoked:
            # The store wiped itself; the photos beside it go too.
            shutil.rmtree(self.folder / "blobs", ignore_errors=True)
            self._blobs = None
            self.state = SyncState(revoked=True, problem="revoked")
        except Busy:
            # Up, but turned away: not offline; the next try comes by itself.
            self.state.online, self.state.problem = True, "busy"
        except Offline:
            self.state.online, self.state.problem = False, "offline"
        except ServerTrouble:  # reached, but it answered 5xx: a server error, not "offline"
            self.state.online, self.state.problem = True, "server_error"
            self.state.problem_code = None
        except UpdateRequired:
            self.state.problem = "update_app"
        except SignedOut:
            self.state.problem = "signed_out"
        except SyncError as exc:
            self.state.online, self.state.problem = True, str(exc)
            self.state.problem_code = exc.code
        finally:
            self.state.running = False
            if self.store.is_unlocked:
                self.state.pending = self.store.pending_count()
            self._sync_lock.release()
            self._notify()
        return report

    def _progress(self, phase: str, done: int, total: int | None) -> None:
        if phase in ("pull", "upload"):
            self.state.phase, self.state.done, self.state.total = phase, done, total
            self._notify()

    def sync_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.sync, name="sync", daemon=True)
        thread.start()
        return thread


__all__ = ["Fix", "Phone", "SyncState", "WrongPin"]
