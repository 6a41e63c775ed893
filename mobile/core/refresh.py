"""What a sync fetches besides the feed: the conflict log (the values of this phone's person
that did not stand) and the timelines of the requests the person works on.

Both change only with a change to a record the phone holds (a value of the person's is
replaced by an edit to the record; a request's timeline grows with its `rev`), which the pull
brings, or with a push answer's conflicts. So they are fetched after a sync that pulled or was
told something, and are due until fetched in full: a sync cut off between the pull and these
has them done by the next one, even when that one pulls nothing. A sync that finds nothing
new (most of them) is one request, the pull.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from mobile.core.store import LocalStore

TIMELINES_A_CALL = 100  # the server's limit for GET /api/v1/requests/timelines
REFRESH_DUE = "refresh_due"  # meta: the conflict log and timelines are to be fetched again


class Refreshing:
    """The sync client's fetches beside the feed (mixed into `SyncClient`)."""

    store: "LocalStore"
    _call: Callable[..., "httpx.Response"]  # SyncClient's authorized call, with its retries

    def refresh_if_due(self, report: Any) -> None:
        """The conflict log and the timelines, after a sync that pulled or was told something
        (a `SyncReport`), or while an earlier one's are still due."""
        due = self.store.meta(REFRESH_DUE, True)
        if report.pulled or report.conflicts or report.restarted:
            if not due:
                self.store.set_meta(REFRESH_DUE, True)
            due = True
        if not due:
            return
        self.fetch_conflicts()
        self.fetch_timelines()
        self.store.set_meta(REFRESH_DUE, False)

    def fetch_conflicts(self) -> None:
        """The values of this phone's person that did not stand, from the server's conflict
        log: also those replaced later by an edit made without seeing them, which no push
        answer of this phone could carry."""
        me = (self.store.secret("user") or {}).get("id")
        response = self._call("GET", "/api/v1/conflicts", params={"limit": 1000}, allow=(403,))
        if response.status_code != 200:
            return
        self.store.keep_conflicts(
            [
                {
                    "conflict_id": c["id"],
                    "at": c["at"],
                    "entity": c["entity"],
                    "id": c["record_id"],
                    "field": c["field"],
                    "yours": c["lost_value"],
                    "kept": c["kept_value"],
                }
                for c in response.json()
                if c.get("loser_id") == me
            ]
        )

    def fetch_timelines(self) -> None:
        """The timelines of the requests this phone's person works on (the feed carries a
        request's fields, not its steps); fetched again only when the request changed, up to
        100 in one call."""
        me = (self.store.secret("user") or {}).get("id")
        stale = []
        for request in self.store.all("request"):
            if request.get("assignee_id") != me:
                continue
            kept = self.store.secret(f"timeline/{request['id']}")
            if not kept or kept.get("rev") != request.get("rev"):
                stale.append(request["id"])
        for start in range(0, len(stale), TIMELINES_A_CALL):
            asked = stale[start : start + TIMELINES_A_CALL]
            response = self._call(
                "GET", "/api/v1/requests/timelines", params={"id": asked}, allow=(403,)
            )
            if response.status_code != 200:
                return
            for found in response.json():
                self.store.set_secret(
                    f"timeline/{found['id']}",
                    {"rev": found["rev"], "timeline": found["timeline"]},
                )
