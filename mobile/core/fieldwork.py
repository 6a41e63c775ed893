"""The whole job at the door, without Kivy: proof of the visit (photos, the resident's
signature, the place), the request behind a request visit, raising a request and recording a
service, and times in the district's zone. Phone takes this in; screens call it."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from mobile.core import signing
from mobile.core.blobs import CONFIRMED, BlobStore
from mobile.core.media import prepare_photo, prepare_signature, received
from mobile.core.store import LocalStore
from mobile.core.sync import SyncError
from shared import mutations as m
from shared.localtime import DEFAULT_ZONE, format_local
from shared.proof import distance_m

MAX_PHOTOS = 20  # a proof names at most this many photos (the contract's limit)


@dataclass(frozen=True)
class Fix:
    """Where the phone is, as its GPS says, and how sure it is."""

    lat: float
    lon: float
    accuracy_m: float
    at: str  # RFC 3339, UTC


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Fieldwork:
    """Mixed into Phone: needs `store`, `folder`, `language`, `user`, `_make`, `_record`."""

    store: LocalStore
    folder: Path
    _blobs: BlobStore | None = None

    # -- times ----------------------------------------------------------------------------

    @property
    def timezone(self) -> str:
        return self.store.meta("timezone") or DEFAULT_ZONE

    def local_time(self, text: str | None, year: bool | None = None) -> str:
        """An API time (UTC) as a person here reads it, in the configured zone."""
        return format_local(parse_time(text), self.language, self.timezone, year=year)

    # -- photos and signatures ------------------------------------------------------------

    @property
    def blobs(self) -> BlobStore:
        if self._blobs is None:
            self._blobs = BlobStore(self.folder / "blobs", self.store.cipher)
        return self._blobs

    def _draft_key(self, visit_id: str) -> str:
        return f"proof-draft/{visit_id}"

    def proof_draft(self, visit_id: str) -> dict[str, Any]:
        """What has been captured for a visit and not yet sent with its completion."""
        return self.store.secret(self._draft_key(visit_id)) or {
            "photos": [],
            "signature": None,
            "location": None,
            "no_fix": None,
        }

    def proof_shown(self, visit_id: str) -> tuple[dict[str, Any], bool]:
        """What the visit screen shows: the draft while the visit is being worked, the proof
        the visit was completed with afterwards; and whether it can still be changed."""
        visit = self.store.get("visit", visit_id) or {}
        if visit.get("status") in ("assigned", "in_progress", "returned"):
            return self.proof_draft(visit_id), True
        sent = visit.get("proof") or {}
        return {
            "photos": list(sent.get("photos") or []),
            "signature": sent.get("signature"),
            "location": sent.get("location"),
            "no_fix": None if sent.get("location") else "place_none",
        }, False

    def _keep_draft(self, visit_id: str, draft: dict[str, Any]) -> None:
        self.store.set_secret(self._draft_key(visit_id), draft)

    def add_photo(self, visit_id: str, source: Path | str | bytes) -> str:
        """A photo from the camera or a file, re-encoded and kept encrypted; its SHA-256."""
        draft = self.proof_draft(visit_id)
        if len(draft["photos"]) >= MAX_PHOTOS:
            raise ValueError("too_many_photos")
        sha = self.blobs.put(prepare_photo(source)).sha256
        if sha not in draft["photos"]:
            draft["photos"].append(sha)
        self._keep_draft(visit_id, draft)
        return sha

    def remove_photo(self, visit_id: str, sha: str) -> None:
        draft = self.proof_draft(visit_id)
        draft["photos"] = [p for p in draft["photos"] if p != sha]
        self._keep_draft(visit_id, draft)

    def set_signature(self, visit_id: str, png: bytes) -> str:
        sha = self.blobs.put(prepare_signature(png)).sha256
        draft = self.proof_draft(visit_id)
        draft["signature"] = sha
        self._keep_draft(visit_id, draft)
        return sha

    def set_location(self, visit_id: str, fix: Fix | None, why_not: str = "no_fix") -> None:
        """The place of the visit, or None with the reason there is none (said on screen)."""
        draft = self.proof_draft(visit_id)
        if fix is None:
            draft["location"], draft["no_fix"] = None, why_not
        else:
            draft["location"] = {
                "lat": fix.lat,
                "lon": fix.lon,
                "accuracy_m": fix.accuracy_m,
                "at": fix.at,
            }
            draft["no_fix"] = None
        self._keep_draft(visit_id, draft)

    def proof_args(self, visit_id: str) -> dict[str, Any] | None:
        """The `proof` member for the visit's completion, or None when nothing was captured."""
        draft = self.proof_draft(visit_id)
        if not (draft["photos"] or draft["signature"] or draft["location"]):
            return None
        proof: dict[str, Any] = {"photos": list(draft["photos"])}
        if draft["signature"]:
            proof["signature"] = draft["signature"]
        if draft["location"]:
            proof["location"] = draft["location"]
        return proof

    def upload_state(self, sha: str) -> str:
        """waiting (only on this phone), sent (the server has it), or missing."""
        info = self.blobs.info(sha)
        if info is None:
            return "missing"
        return "sent" if info.state == CONFIRMED else "waiting"

    def thumbnail(self, sha: str) -> bytes | None:
        return self.blobs.thumbnail(sha)

    def fetch_proof_thumbnails(self) -> None:
        """For a supervisor, during sync: thumbnails of the proof of visits awaiting approval,
        so the approval screen shows them offline."""
        if not self.may_send("approval.decide"):
            return
        for visit in self.store.all("visit"):
            proof = visit.get("proof") if visit.get("status") == "completed" else None
            if proof:
                for sha in [*proof.get("photos", []), proof.get("signature")]:
                    if sha:
                        self.fetch_blob(sha)

    def fetch_blob(self, sha: str) -> bool:
        """For the supervisor: fetch a proof's photo once, keep its thumbnail (encrypted)."""
        if self.blobs.thumbnail(sha):
            return True
        try:
            fetched = self._client().download(sha)
        except SyncError:
            return False
        if fetched is None:
            return False
        self.blobs.put(received(*fetched))
        self.blobs.confirm(sha)
        return True

    def _queue(self, typed: m.Args, proof: dict[str, Any] | None) -> int:
        """Queue a mutation; with a proof, the proof is signed with this phone's key."""
        if proof is None:
            name, args = m.encode(typed)
            args.pop("proof", None)
            return self._record(name, args)
        # Through the shared struct, so the phone never queues a proof the server would refuse.
        typed = msgspec.structs.replace(typed, proof=msgspec.convert(proof, m.Proof))
        name, args = m.encode(typed)
        # What the phone saw goes under the signature too.
        args = self.store.what_was_seen(name, args)
        return self._record(name, signing.signed(self.store, args))

    # -- proof as the supervisor sees it --------------------------------------------------

    def proof_of(self, record: dict[str, Any]) -> dict[str, Any] | None:
        """A record's proof with the place's distance from the resident's home, if known."""
        proof = record.get("proof")
        if not proof:
            return None
        shown = {**proof, "signed": bool(record.get("signed")), "distance_m": None}
        place = proof.get("location")
        resident = self.store.get("resident", record.get("resident_id") or "") or {}
        if place and resident.get("lat") is not None and resident.get("lon") is not None:
            shown["distance_m"] = distance_m(
                place["lat"], place["lon"], resident["lat"], resident["lon"]
            )
        return shown

    # -- the request behind a request visit -----------------------------------------------

    def category_name(self, code: str) -> str:
        for category in self.store.all("service_category"):
            if category.get("code") == code:
                return category["name_en" if self.language == "en" else "name_zh"]
        return code

    def categories(self) -> list[dict[str, Any]]:
        return sorted(self.store.all("service_category"), key=lambda c: c["code"])

    def request(self, request_id: str) -> dict[str, Any] | None:
        """The request with its category in words, its times local, and its timeline (as last
        fetched while online)."""
        found = self.store.get("request", request_id)
        if found is None:
            return None
        kept = self.store.secret(f"timeline/{request_id}") or {}
        return {
            **found,
            "category": self.category_name(found.get("category_code", "")),
            "due_local": self.local_time(found.get("due_at")),
            "received_local": self.local_time(found.get("received_at")),
            "timeline": [
                {**step, "at_local": self.local_time(step.get("at"))}
                for step in kept.get("timeline", [])
            ],
        }

    def raise_request(
        self,
        resident_id: str,
        category_code: str,
        description: str,
        caller_name: str | None = None,
        caller_phone: str | None = None,
    ) -> int:
        """A hotline request for the resident at the door (`request.create`)."""
        if not description.strip():
            raise ValueError("description_required")
        return self._make(
            m.RequestCreate(
                id=uuid.uuid4(),
                resident_id=uuid.UUID(resident_id),
                category_code=category_code,
                description=description.strip(),
                caller_name=(caller_name or "").strip() or None,
                caller_phone=(caller_phone or "").strip() or None,
                at=datetime.now(UTC),  # raised now, at the door: its time limit starts here
            )
        )

    def record_service(
        self,
        resident_id: str,
        visit_id: str | None,
        category_code: str,
        minutes: int,
        description: str,
        with_proof: bool = False,
    ) -> int:
        """A service delivered (`service.record`), with the visit's proof if asked."""
        if not description.strip():
            raise ValueError("description_required")
        typed = m.ServiceRecord(
            id=uuid.uuid4(),
            resident_id=uuid.UUID(resident_id),
            visit_id=uuid.UUID(visit_id) if visit_id else None,
            category_code=category_code,
            at=_now(),
            minutes=minutes,
            description=description.strip(),
        )
        return self._queue(typed, self.proof_args(visit_id) if with_proof and visit_id else None)


def _now() -> datetime:
    return datetime.now(UTC)
