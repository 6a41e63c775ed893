"""Schemathesis against the real server over loopback HTTP, on SQLite and PostgreSQL: every
operation with valid and invalid input, as nobody, a worker and an admin, then stateful
sequences along the links it infers between operations. No answer may be a 5xx, have a status
or content type the schema does not document, or break its schema.

The seed is fixed (derandomized), so a failure comes back on the next run. The default example
count keeps the file under two minutes on a small machine; for a long run:
`DOORSTEP_FUZZ_EXAMPLES=500 python -m pytest tests/test_fuzz_api.py` (see docs/security.md).
"""

import os
import uuid

import httpx
import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.server import PASSWORD

EXAMPLES = int(os.environ.get("DOORSTEP_FUZZ_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
CALLERS = ("nobody", "worker1", "admin")


def _settings(**extra) -> hypothesis.settings:
    return hypothesis.settings(
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the report names the case
        suppress_health_check=list(HealthCheck),
        **extra,
    )


def _headers(base_url: str) -> dict[str, dict[str, str]]:
    """Bearer headers of each caller, signed in before the fuzzer may trip the throttle."""
    headers: dict[str, dict[str, str]] = {"nobody": {}}
    for username in CALLERS[1:]:
        response = httpx.post(
            f"{base_url}/api/v1/auth/login",
            json={"username": username, "password": PASSWORD, "device_id": str(uuid.uuid4())},
        )
        assert response.status_code == 200, response.text
        headers[username] = {"authorization": f"Bearer {response.json()['access_token']}"}
    return headers


def _fuzz(operation, mode: GenerationMode, headers: dict[str, str]) -> str | None:
    """The first failure of this operation in this mode, or None."""

    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    @_settings(max_examples=EXAMPLES)
    def run(case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS, timeout=30)

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        return None  # nothing to make invalid: an operation without parameters or body
    except Exception as exc:  # a FailureGroup, or the server's connection broke
        return f"{operation.label} [{mode.value}]: {exc}"
    return None


@pytest.fixture
def fuzzed(live_url):
    schema = schemathesis.openapi.from_url(f"{live_url}/schema/openapi.json")
    return schema, _headers(live_url)


def test_every_operation_as_every_caller(fuzzed):
    schema, headers = fuzzed
    operations = [result.ok() for result in schema.get_all_operations()]
    failures = [
        f"{caller}: {failure}"
        for caller in CALLERS
        for operation in operations
        for mode in GenerationMode
        if (failure := _fuzz(operation, mode, headers[caller]))
    ]
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("caller", CALLERS[1:])
def test_sequences_along_the_links(fuzzed, caller):
    schema, headers = fuzzed
    machine = schema.as_state_machine()

    class Calls(machine):
        def get_call_kwargs(self, case):
            return {"headers": headers[caller], "timeout": 30}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    Calls.run(settings=_settings(max_examples=EXAMPLES, stateful_step_count=6))
