"""What a mutation does to the phone's own copy, before the server has seen it.

The same mutations are replayed over fresh server data after every pull (rebase), so an edit
that is not yet pushed is never overwritten by what the server sent. Where the server will
refuse a mutation (a stale state change), the replay leaves the record alone.
"""

from collections.abc import Callable
from typing import Any

from shared import visits as machine

View = Callable[[str, str], dict[str, Any] | None]
Effect = tuple[str, str, dict[str, Any] | None]  # entity, id, the record after (None: gone)


def _visit_moved(view: View, visit_id: str, action: str, **fields: Any) -> list[Effect]:
    visit = view("visit", visit_id)
    if visit is None or not machine.can(visit["status"], action):
        return []
    return [
        (
            "visit",
            visit_id,
            {**visit, "status": machine.transition(visit["status"], action), **fields},
        )
    ]


def effects(view: View, name: str, args: dict[str, Any], user_id: str) -> list[Effect]:
    """The records a mutation writes on the phone, given the phone's current view."""
    match name:
        case "checkin.record":
            return [
                (
                    "checkin",
                    args["id"],
                    {
                        "id": args["id"],
                        "resident_id": args["resident_id"],
                        "visit_id": args.get("visit_id"),
                        "worker_id": user_id,
                        "at": args["at"],
                        "seen_in_person": args["seen_in_person"],
                        "wellbeing": args["wellbeing"],
                        "notes": args.get("notes", ""),
                        "needs": args.get("needs") or "",
                        "home_safety": args.get("home_safety") or {},
                    },
                )
            ]
        case "service.record":
            return [
                (
                    "service_record",
                    args["id"],
                    {
                        **{
                            k: args.get(k)
                            for k in (
                                "id",
                                "resident_id",
                                "visit_id",
                                "category_code",
                                "at",
                                "minutes",
                                "description",
                            )
                        },
                        "worker_id": user_id,
                    },
                )
            ]
        case "assistance.log":
            return [
                (
                    "assistance",
                    args["id"],
                    {
                        **{
                            k: args.get(k)
                            for k in (
                                "id",
                                "resident_id",
                                "at",
                                "kind",
                                "amount_cny",
                                "description",
                            )
                        },
                        "mentor_id": user_id,
                    },
                )
            ]
        case "visit.start":
            return _visit_moved(view, args["visit_id"], "start", started_at=args["at"])
        case "visit.complete":
            return _visit_moved(
                view, args["visit_id"], "complete", completed_at=args["at"], summary=args["summary"]
            )
        case "approval.decide":
            if args["decision"] == "approve":
                return _visit_moved(view, args["visit_id"], "approve")
            return _visit_moved(
                view, args["visit_id"], "return", return_reason=args.get("reason") or ""
            )
        case "visit.cancel":
            return _visit_moved(view, args["visit_id"], "cancel", cancel_reason=args["reason"])
        case "visit.assign":
            return _visit_moved(view, args["visit_id"], "assign", assignee_id=args["assignee_id"])
        case "resident.update":
            resident = view("resident", args["id"])
            if resident is None:
                return []
            fields = {k: v for k, v in args["fields"].items() if v is not None}
            return [("resident", args["id"], {**resident, **fields})]
    return []
