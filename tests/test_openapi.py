"""The served OpenAPI schema documents the fields of every JSON response, so a client can be
generated from it."""

import asyncio
import json
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from server.app import create_app
from server.auth.tables import User
from server.catalogue.tables import ServiceCategory
from server.org.tables import OrgUnit
from server.residents.tables import Resident
from server.sync.records import RECORDS
from server.visits.tables import Assistance, Checkin, ServiceRecord, Visit
from tests.support.server import make_settings

# Not JSON: their bodies are files or pages, documented by their media type.
NOT_JSON = ("text/csv", "text/html", "text/plain", "text/event-stream")

# The response structs a generated client would know by name.
STRUCTS = {
    "HealthPublic",
    "TokensPublic",
    "AccountPublic",
    "MePublic",
    "DevicePublic",
    "UserPublic",
    "OrgUnitPublic",
    "OrgUnitRefPublic",
    "ServiceCategoryPublic",
    "ResidentPublic",
    "VisitPublic",
    "VisitPlanPublic",
    "AlertPublic",
    "ConflictPublic",
    "AuditEntryPublic",
    "PushResponse",
    "PullResponse",
    "PublicReceiptPublic",
    "PublicRequestViewPublic",
    "PublicStepPublic",
    "PublicCategoryPublic",
    "WorkstationPublic",
}


@pytest.fixture(scope="module")
def openapi(tmp_path_factory) -> dict:
    database = tmp_path_factory.mktemp("openapi") / "unused.db"
    app = create_app(make_settings(f"sqlite+aiosqlite:///{database}"))

    async def fetch() -> dict:
        # The schema needs no database: the runtime is not started.
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://doorstep") as client:
            response = await client.get("/schema/openapi.json")
        assert response.status_code == 200, response.text
        return response.json()

    return asyncio.run(fetch())


def _resolve(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _undocumented(schema: dict, components: dict) -> list[str]:
    """Why this schema does not name its fields: [] when it does."""
    schema = _resolve(schema, components)
    branches = schema.get("oneOf") or schema.get("anyOf")
    if branches:
        return [
            why
            for branch in branches
            if branch.get("type") != "null"
            for why in _undocumented(branch, components)
        ]
    if schema.get("type") == "array":
        items = schema.get("items")
        if not items:
            return ["an array of anything"]
        return [f"an array of {why}" for why in _undocumented(items, components)]
    if not schema:
        return ["an empty schema (anything)"]
    if schema.get("type") == "object" and not schema.get("properties"):
        return ["an object without properties"]
    return []


def _json_answers(openapi: dict):
    """Every (method, path, status, schema) of a 2xx JSON answer."""
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, response in operation["responses"].items():
                if not status.startswith("2"):
                    continue
                for media_type, content in response.get("content", {}).items():
                    if media_type.startswith(NOT_JSON):
                        continue
                    yield method, path, status, content.get("schema", {})


def test_every_json_answer_documents_its_fields(openapi):
    components = openapi["components"]["schemas"]
    bare = [
        f"{method.upper()} {path} → {status}: {why}"
        for method, path, status, schema in _json_answers(openapi)
        for why in _undocumented(schema, components)
    ]
    assert not bare, "responses without documented fields:\n" + "\n".join(bare)


def test_the_response_structs_are_named_components(openapi):
    components = openapi["components"]["schemas"]
    missing = sorted(STRUCTS - components.keys())
    assert not missing, f"not in components/schemas: {missing}"
    for name in STRUCTS:
        assert components[name].get("properties"), f"{name} lists no fields"


def test_the_residents_calls_need_no_token_and_may_be_throttled(openapi):
    public = {
        (method, path): operation
        for path, item in openapi["paths"].items()
        if path.startswith("/api/v1/public/")
        for method, operation in item.items()
        if isinstance(operation, dict) and "responses" in operation
    }
    assert ("post", "/api/v1/public/requests") in public
    assert ("get", "/api/v1/public/requests/{tracking_token}") in public
    for (method, path), operation in public.items():
        answers = operation["responses"]
        assert "429" in answers and "Retry-After" in answers["429"]["headers"], (method, path)
        assert "401" not in answers, (method, path)
    assert not [path for path in openapi["paths"] if path.startswith("/open311/")]


AT = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
ID = uuid.UUID("9b2d6c1e-0000-4000-8000-000000000001")
OTHER = uuid.UUID("9b2d6c1e-0000-4000-8000-000000000002")
OPTIONAL_ID = (str, type(None))


def _records() -> dict[str, tuple[object, dict[str, type | tuple[type, ...]]]]:
    """One row of each synced table, and the JSON types of the members the contract fixes."""
    return {
        "resident": (
            Resident(
                id=ID,
                name="张秀英",
                address="幸福路 1 号",
                phone="13800000000",
                community_id=OTHER,
                birth_year=1941,
                living_alone=True,
                notes="",
            ),
            {
                "id": str,
                "name": str,
                "address": str,
                "phone": str,
                "community_id": str,
                "birth_year": (int, type(None)),
                "living_alone": bool,
                "notes": str,
            },
        ),
        "visit": (
            Visit(
                id=ID,
                resident_id=OTHER,
                community_id=OTHER,
                assignee_id=OTHER,
                kind="checkin",
                status="assigned",
                due_at=AT,
            ),
            {
                "id": str,
                "resident_id": str,
                "assignee_id": OPTIONAL_ID,
                "kind": str,
                "status": str,
                "due_at": str,
                "request_id": OPTIONAL_ID,
            },
        ),
        "checkin": (
            Checkin(
                id=ID,
                resident_id=OTHER,
                community_id=OTHER,
                worker_id=OTHER,
                at=AT,
                seen_in_person=True,
                wellbeing="good",
                notes="",
            ),
            {
                "id": str,
                "resident_id": str,
                "visit_id": OPTIONAL_ID,
                "worker_id": str,
                "at": str,
                "seen_in_person": bool,
                "wellbeing": str,
                "notes": str,
            },
        ),
        "assistance": (
            Assistance(
                id=ID,
                resident_id=OTHER,
                community_id=OTHER,
                mentor_id=OTHER,
                at=AT,
                kind="学习用品",
                amount_cny=200.0,
                description="",
            ),
            {
                "id": str,
                "resident_id": str,
                "mentor_id": str,
                "at": str,
                "kind": str,
                "amount_cny": (float, int, type(None)),
                "description": str,
            },
        ),
        "service_record": (
            ServiceRecord(
                id=ID,
                resident_id=OTHER,
                community_id=OTHER,
                worker_id=OTHER,
                category_code="elderly.care",
                at=AT,
                minutes=30,
                description="",
            ),
            {
                "id": str,
                "resident_id": str,
                "visit_id": OPTIONAL_ID,
                "worker_id": str,
                "category_code": str,
                "at": str,
                "minutes": int,
                "description": str,
            },
        ),
        "service_category": (
            ServiceCategory(
                id=ID,
                code="elderly.care",
                name_zh="居家养老照护",
                name_en="Home elderly care",
                programme="household",
                department="民政局",
                time_limit_hours=24,
            ),
            {"id": str, "code": str, "name_zh": str, "name_en": str, "time_limit_hours": int},
        ),
        "org_unit": (
            OrgUnit(id=ID, code="D01", name="幸福区", level="district", path="D01"),
            {"id": str, "code": str, "name": str, "parent_id": OPTIONAL_ID},
        ),
        "user": (
            User(
                id=ID,
                username="worker1",
                display_name="王芳",
                role="worker",
                org_unit_id=OTHER,
                password_hash="",
            ),
            {"id": str, "username": str, "display_name": str, "role": str, "org_unit_id": str},
        ),
    }


@pytest.mark.parametrize("entity", list(_records()))
def test_a_feed_record_keeps_the_contract_members(entity):
    row, members = _records()[entity]
    data = json.loads(json.dumps(RECORDS[entity].data(row)))
    for name, json_type in members.items():
        assert name in data, f"{entity} lost {name}"
        assert isinstance(data[name], json_type), f"{entity}.{name} is {data[name]!r}"
    for name in ("at", "due_at"):
        if name in members:
            assert data[name] == "2026-11-27T09:00:00Z"
    assert data["id"] == str(ID)


def _operations(openapi: dict):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield method, path, operation


@pytest.mark.parametrize(
    "method, path, statuses",
    [
        ("post", "/api/v1/auth/login", {400, 401, 403, 409, 413, 429}),
        ("post", "/api/v1/sync/push", {400, 401, 403, 404, 409, 413, 422, 426, 503}),
        ("get", "/api/v1/sync/pull", {400, 401, 403, 410, 422, 426, 503}),
        ("get", "/api/v1/visits/{visit_id}", {400, 401, 403, 404}),
        ("post", "/api/v1/requests/{request_id}/assign", {400, 401, 403, 404, 409, 413, 422}),
        ("get", "/api/v1/me", {401, 403}),
    ],
)
def test_every_problem_an_operation_answers_is_documented(openapi, method, path, statuses):
    responses = openapi["paths"][path][method]["responses"]
    assert {int(s) for s in responses if not s.startswith("2")} == statuses
    for status in statuses:
        content = responses[str(status)]["content"]
        assert list(content) == ["application/problem+json"], (path, status)


def test_problems_have_their_members(openapi):
    components = openapi["components"]["schemas"]
    problem = components["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "code", "detail"}
    assert {"expected", "retry_after"} <= problem["properties"].keys()
    push = openapi["paths"]["/api/v1/sync/push"]["post"]["responses"]
    conflicts = push["409"]["content"]["application/problem+json"]["schema"]["oneOf"]
    assert [c["$ref"].rsplit("/", 1)[-1] for c in conflicts] == [
        "SeqGapProblem",
        "BlobsMissingProblem",
    ]
    assert "expected" in components["SeqGapProblem"]["required"]
    login = openapi["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert (
        "retry_after"
        in _resolve(login["429"]["content"]["application/problem+json"]["schema"], components)[
            "required"
        ]
    )
    assert "Retry-After" in login["429"]["headers"]
    for method, path, operation in _operations(openapi):
        for status, response in operation["responses"].items():
            if not status.startswith("2"):
                assert "application/json" not in response.get("content", {}), (method, path)


def test_bodies_that_refuse_unknown_members_say_so(openapi):
    components = openapi["components"]["schemas"]
    bodies = [
        (method, path, operation["requestBody"]["content"]["application/json"]["schema"])
        for method, path, operation in _operations(openapi)
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]
    assert len(bodies) >= 15
    for method, path, schema in bodies:
        assert _resolve(schema, components).get("additionalProperties") is False, (method, path)


def test_push_documents_its_body(openapi):
    components = openapi["components"]["schemas"]
    body = openapi["paths"]["/api/v1/sync/push"]["post"]["requestBody"]
    push = _resolve(body["content"]["application/json"]["schema"], components)
    assert set(push["required"]) == {"protocol", "device_id", "mutations"}
    mutation = _resolve(push["properties"]["mutations"]["items"], components)
    assert set(mutation["required"]) == {"seq", "name", "args", "hlc"}
    assert mutation["additionalProperties"] is False


def test_limits_and_offsets_are_bounded(openapi):
    for method, path, operation in _operations(openapi):
        for parameter in operation.get("parameters", []):
            if parameter["name"] in ("limit", "offset"):
                schema = parameter["schema"]
                assert "maximum" in schema, (method, path, parameter["name"])


def test_no_two_schemas_share_a_title(openapi):
    """A client generator names its classes by the titles: two alike and one is dropped."""
    titles: dict[str, list[str]] = {}
    for name, component in openapi["components"]["schemas"].items():
        titles.setdefault(component.get("title", name), []).append(name)
    assert {title: names for title, names in titles.items() if len(names) > 1} == {}


def test_calls_that_need_a_token_declare_the_bearer_scheme(openapi):
    schemes = openapi["components"]["securitySchemes"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            needs = (
                path.startswith("/api/v1/")
                and not path.startswith("/api/v1/public/")
                and path not in ("/api/v1/auth/login", "/api/v1/auth/refresh")
            )
            assert (operation.get("security") == [{"bearer": []}]) is needs, (method, path)


def test_every_error_answer_is_the_named_problem_schema(openapi):
    problems = {"Problem", "SeqGapProblem", "BlobsMissingProblem", "RateLimitedProblem"}
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            for status, answer in operation["responses"].items():
                if int(status) < 400 or method == "head":
                    continue
                schema = answer["content"]["application/problem+json"]["schema"]
                refs = [s["$ref"] for s in schema.get("oneOf", [schema])]
                assert {ref.rsplit("/", 1)[1] for ref in refs} <= problems, (method, path, status)
