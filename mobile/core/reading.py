"""What a phone shows, read from its store: residents, visits for the list (the worker's own,
overdue first), a resident's history, a mentor's families, a supervisor's approval queue.
Mixed into `mobile.core.phone.Phone`."""

from datetime import UTC, datetime

from shared.permissions import is_field_role

OPEN = ("assigned", "in_progress", "returned")


def utc_now() -> datetime:
    return datetime.now(UTC)


def now_iso() -> str:
    return utc_now().isoformat().replace("+00:00", "Z")


class Reading:
    """Mixed into Phone (which has `store`, `user` and `role`)."""

    def residents(self) -> dict[str, dict]:
        return {r["id"]: r for r in self.store.all("resident")}

    def visits(
        self,
        status: str | None = None,
        kind: str | None = None,
        search: str = "",
        mine_only: bool = True,
    ) -> list[dict]:
        """Visits for the list: each with its resident's name and address, overdue marked,
        overdue first, then by due time. Only the residents the rows name are opened: a
        worker's store may hold thousands, and the list names a few dozen."""
        residents: dict[str, dict] = {}

        def resident_of(resident_id: str) -> dict:
            if resident_id not in residents:
                residents[resident_id] = self.store.get("resident", resident_id) or {}
            return residents[resident_id]

        me = self.user.get("id")
        now = now_iso()
        rows = []
        for visit in self.store.all("visit"):
            if mine_only and is_field_role(self.role) and visit.get("assignee_id") != me:
                continue
            if status == "open" and visit["status"] not in OPEN:
                continue
            if status not in (None, "open", "overdue") and visit["status"] != status:
                continue
            if kind and visit["kind"] != kind:
                continue
            resident = resident_of(visit["resident_id"])
            overdue = visit["status"] in OPEN and (visit.get("due_at") or "9") < now
            if status == "overdue" and not overdue:
                continue
            if (
                search
                and search not in resident.get("name", "")
                and search not in resident.get("address", "")
            ):
                continue
            rows.append(
                {
                    **visit,
                    "resident_name": resident.get("name", "?"),
                    "resident_address": resident.get("address", ""),
                    "overdue": overdue,
                }
            )
        rows.sort(key=lambda v: (not v["overdue"], v["status"] not in OPEN, v.get("due_at") or ""))
        return rows

    def visit(self, visit_id: str) -> dict | None:
        return self.store.get("visit", visit_id)

    def resident(self, resident_id: str) -> dict | None:
        return self.store.get("resident", resident_id)

    def history(self, resident_id: str) -> list[dict]:
        """Check-ins, services and assistance for a resident, newest first."""
        items = []
        for entity in ("checkin", "service_record", "assistance"):
            items += [
                {**r, "entity": entity}
                for r in self.store.all(entity)
                if r.get("resident_id") == resident_id
            ]
        return sorted(items, key=lambda r: r.get("at") or "", reverse=True)

    def visits_of(self, resident_id: str) -> list[dict]:
        """A resident's visits that this phone holds, newest first."""
        visits = [v for v in self.store.all("visit") if v["resident_id"] == resident_id]
        return sorted(visits, key=lambda v: v.get("due_at") or "", reverse=True)

    def families(self) -> list[dict]:
        """For a mentor: the residents of the families they mentor."""
        me = self.user.get("id")
        return sorted(
            (r for r in self.store.all("resident") if r.get("mentor_id") == me),
            key=lambda r: (r.get("household_id") or "", r["name"]),
        )

    def approval_queue(self) -> list[dict]:
        return [v for v in self.visits(status="completed", mine_only=False)]
