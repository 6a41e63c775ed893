"""What a phone saw before an edit, and what did not stand: its person's values that another
edit replaced (from the server's conflict log), and refused changes worded by what they were
about. Mixed into the store and the phone."""

from typing import Any

from shared import mutations


class Concurrent:
    """Mixed into LocalStore: what the phone saw before an edit, and the sealed `conflict`
    table of what did not stand (with the ones the person settled)."""

    def what_was_seen(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        """The mutation's arguments with what this phone last saw of the record it changes:
        a field edit's `base` (each field's value here before the edit), a visit move's
        `base_status`. The server tells from them a concurrent change from a sequential one,
        so they come from the store, never from a screen. Arguments that say it already stay
        as they are (a signed proof covers them)."""
        if name == "resident.update" and args.get("base") is None:
            current = self.get("resident", str(args["id"])) or {}
            return {**args, "base": {f: current.get(f) for f in args["fields"]}}
        if name in mutations.SEEN_MOVES and args.get("base_status") is None:
            visit = self.get("visit", str(args["visit_id"]))
            if visit is not None:
                return {**args, "base_status": visit["status"]}
        return args

    def conflicts(self) -> list[dict[str, Any]]:
        """Values of this person's that did not stand, newest first, without those settled."""
        cipher = self.cipher
        settled = set(self.secret("conflicts_settled") or [])
        with self._lock:
            rows = self._db.execute("SELECT data FROM conflict ORDER BY n DESC").fetchall()
        found = [cipher.open(row[0], "conflict") for row in rows]
        return [c for c in found if c.get("conflict_id") not in settled]

    def keep_conflicts(self, conflicts: list[dict[str, Any]]) -> None:
        """The server's conflict log for this person replaces what push answers left here (it
        holds those too, each with its id); the oldest first, so the newest reads first."""
        cipher = self.cipher
        ordered = sorted(conflicts, key=lambda c: c.get("at") or "")
        sealed = cipher.seal_many([(c, "conflict") for c in ordered])
        with self._transaction() as tx:
            tx.execute("DELETE FROM conflict")
            tx.executemany("INSERT INTO conflict (data) VALUES (?)", [(b,) for b in sealed])

    def settle_conflict(self, conflict_id: str) -> None:
        """The person chose (accepted the kept value, or put theirs back): it leaves the list."""
        settled = set(self.secret("conflicts_settled") or [])
        self.set_secret("conflicts_settled", sorted(settled | {conflict_id}))


class Review:
    """Mixed into Phone: needs `store`, `resident`, `visit`, `update_resident`."""

    def conflicts(self) -> list[dict]:
        """This person's values that did not stand, each with the resident's name."""
        return [
            {**c, "resident_name": (self.resident(c["id"]) or {}).get("name", "")}
            for c in self.store.conflicts()
        ]

    def settle_conflict(self, conflict_id: str, keep_mine: bool) -> int | None:
        """Accept the value that stands, or keep mine: a new edit that puts it back (made
        now, over what this phone sees now, so it wins unless someone edits later still)."""
        conflict = next(
            (c for c in self.store.conflicts() if c.get("conflict_id") == conflict_id), None
        )
        if conflict is None:
            return None
        seq = None
        if keep_mine and conflict["entity"] == "resident":
            seq = self.update_resident(conflict["id"], **{conflict["field"]: conflict["yours"]})
        self.store.settle_conflict(conflict_id)
        return seq

    def rejections(self) -> list[dict]:
        """Changes the server refused, each with its code and what it was about: the
        resident's name and, for a visit, its title."""
        rows = []
        for entry in self.store.outbox(("rejected",)):
            about = self._about(entry.args)
            rows.append({"seq": entry.seq, "name": entry.name, **about, **(entry.error or {})})
        return rows

    def _about(self, args: dict) -> dict:
        visit = self.visit(str(args["visit_id"])) if args.get("visit_id") else None
        resident_id = (visit or {}).get("resident_id") or args.get("resident_id")
        if resident_id is None and "fields" in args:
            resident_id = args.get("id")
        resident = self.resident(str(resident_id)) if resident_id else None
        return {
            "resident_name": (resident or {}).get("name", ""),
            "visit_title": (visit or {}).get("title") or "",
            "visit_kind": (visit or {}).get("kind") or "",
        }
