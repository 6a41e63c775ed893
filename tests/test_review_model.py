"""Returns, their review and extensions, in any order (Hypothesis, stateful): the real app on a
copy of the demo database (each example a request of its own), spoken to over HTTP by the
department, the district and a subdistrict office that is not the level above. A model says
what each call must answer; after every step the request is where the model says, its due time
moved only by approved extensions (by exactly their working days on the official calendar), at
most one extension waits, and a refused call changed nothing.

`DOORSTEP_REVIEW_EXAMPLES` (default 6) and `DOORSTEP_REVIEW_STEPS` (default 8) make it longer
(40 × 15 passes in two minutes).
"""

import asyncio
import os
import shutil
import uuid
from datetime import datetime

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from litestar.testing import TestClient

from server.app import create_app
from server.hotline.holidays import package_calendar
from shared.workdays import add_working_days
from tests.support import databases
from tests.support.server import PASSWORD, make_settings

EXAMPLES = int(os.environ.get("DOORSTEP_REVIEW_EXAMPLES", "6"))
STEPS = int(os.environ.get("DOORSTEP_REVIEW_STEPS", "8"))


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class Server:
    """The app on one copy of the demo database, and the three people signed in. Examples
    share it: each works on a request of its own."""

    def __init__(self, url: str) -> None:
        self.client = TestClient(create_app(make_settings(url)))
        self.client.__enter__()
        self.tokens = {}
        for name in ("dispatcher", "dept_water", "subdistrict1"):
            answer = self.client.post(
                "/api/v1/auth/login",
                json={"username": name, "password": PASSWORD, "device_id": str(uuid.uuid4())},
            )
            assert answer.status_code == 200, answer.text
            self.tokens[name] = answer.json()["access_token"]

    def close(self) -> None:
        self.client.__exit__(None, None, None)


class ReviewModel(RuleBasedStateMachine):
    server: Server

    @initialize()
    def set_up(self) -> None:
        self.client, self.tokens = self.server.client, self.server.tokens
        made = self.call(
            "dispatcher",
            "/api/v1/requests",
            {
                "channel": "phone",
                "caller_name": "周建国",
                "caller_phone": "13900001111",
                "address": "幸福区某路8号",
                "category_code": "jobs.placement",
                "description": "求职登记",
            },
        )
        assert made.status_code == 201, made.text
        self.rid = made.json()["id"]
        sent = self.call(
            "dispatcher",
            f"/api/v1/requests/{self.rid}/dispatch",
            {"org_unit_code": "D01-S01-C01", "department_code": "DEP01"},
        )
        assert sent.status_code == 200, sent.text
        # The model.
        self.status, self.department = "dispatched", True
        self.before_return = "dispatched"
        self.pending: int | None = None  # days of the extension waiting, if one waits
        self.due = instant(sent.json()["due_at"])
        self.shown = sent.json()

    def call(self, who: str, path: str, body: dict):
        return self.client.post(
            path, json=body, headers={"Authorization": f"Bearer {self.tokens[who]}"}
        )

    def read(self) -> dict:
        answer = self.client.get(
            f"/api/v1/requests/{self.rid}",
            headers={"Authorization": f"Bearer {self.tokens['dispatcher']}"},
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def refused(self, answer, *codes: int) -> None:
        """A refusal: one of the expected codes, and nothing changed."""
        before = self.snapshot
        assert answer.status_code in codes, (answer.status_code, answer.text)
        after = self.read()
        assert (after["rev"], after["status"], after["due_at"]) == before

    @property
    def snapshot(self) -> tuple:
        """The request as the last check read it (before the step now being taken)."""
        return (self.shown["rev"], self.shown["status"], self.shown["due_at"])

    @property
    def holds(self) -> bool:
        """The department holds the request (it may act and ask for time)."""
        return self.department and self.status in ("dispatched", "in_progress")

    @rule()
    def accept(self) -> None:
        answer = self.call("dept_water", f"/api/v1/requests/{self.rid}/accept", {})
        if self.department and self.status == "dispatched":
            assert answer.status_code == 200, answer.text
            self.status = "in_progress"
        else:
            self.refused(answer, 404 if not self.department else 409)

    @rule()
    def give_back(self) -> None:
        answer = self.call("dept_water", f"/api/v1/requests/{self.rid}/return", {"reason": "x"})
        if self.holds:
            assert answer.status_code == 200, answer.text
            self.before_return, self.status = self.status, "return_review"
        else:
            self.refused(answer, 404 if not self.department else 409)

    @rule(approve=st.booleans(), who=st.sampled_from(["dispatcher", "subdistrict1"]))
    def decide_return(self, approve: bool, who: str) -> None:
        path = f"/api/v1/requests/{self.rid}/return/decision"
        answer = self.call(who, path, {"approve": approve})
        if who != "dispatcher":
            self.refused(answer, 403, 404)
        elif self.status == "return_review":
            assert answer.status_code == 200, answer.text
            if approve:
                self.status, self.department = "dispatched", False
            else:
                self.status = self.before_return
        else:
            self.refused(answer, 409)

    @rule(days=st.integers(min_value=1, max_value=10))
    def ask(self, days: int) -> None:
        path = f"/api/v1/requests/{self.rid}/extension"
        answer = self.call("dept_water", path, {"days": days, "reason": "需协调"})
        if not self.department:
            self.refused(answer, 404)
        elif self.status == "return_review":
            self.refused(answer, 403)  # the district answers for it meanwhile
        elif self.pending is not None:
            self.refused(answer, 409)
        else:
            assert answer.status_code == 201, answer.text
            assert answer.json()["status"] == "pending"
            self.pending = days

    @rule(approve=st.booleans(), who=st.sampled_from(["dispatcher", "subdistrict1"]))
    def decide_extension(self, approve: bool, who: str) -> None:
        path = f"/api/v1/requests/{self.rid}/extension/decision"
        answer = self.call(who, path, {"approve": approve})
        if self.pending is None:
            self.refused(answer, 403, 404, 409)
        elif who != "dispatcher":  # the department asked: the district decides
            self.refused(answer, 403, 404)
        else:
            assert answer.status_code == 200, answer.text
            if approve:
                self.due = add_working_days(package_calendar(), self.due, self.pending)
            self.pending = None

    @invariant()
    def where_the_model_says(self) -> None:
        if not hasattr(self, "rid"):
            return
        shown = self.shown = self.read()
        assert shown["status"] == self.status
        assert (shown["routed_department"] is not None) == self.department
        assert instant(shown["due_at"]) == self.due
        assert instant(shown["received_at"]) < instant(shown["warning_at"]) < self.due
        waiting = [e for e in shown["extensions"] if e["status"] == "pending"]
        assert len(waiting) == (self.pending is not None)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_returns_and_extensions_in_any_order(backend, request, tmp_path_factory):
    drop = None
    if backend == "sqlite":
        target = tmp_path_factory.mktemp("review") / "server.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        url = f"sqlite+aiosqlite:///{target}"
    else:
        template = request.getfixturevalue("postgres_template")
        drop = f"doorstep_r_{uuid.uuid4().hex[:12]}"
        asyncio.run(databases.pg_clone(template, drop))
        url = databases.pg_url(drop)
    server = Server(url)

    class Case(ReviewModel):
        pass

    Case.server = server
    try:
        run_state_machine_as_test(
            Case,
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
    finally:
        server.close()
        if drop:
            databases.pg_drop_later(drop)
