"""The served OpenAPI schema, finished in one place: every problem an operation can answer, and
each body exactly as the server decodes it (the push body too: its handler reads raw bytes).

Litestar documents each operation's 2xx answer and a generic 400; the rest comes from the table
below and a few rules (a call with a token may get 401/403, a body may be too large, ...), so a
new route gets its problems documented without anyone writing them by hand.
"""

import copy
from typing import Any

import msgspec
from litestar import Litestar, Request
from litestar.openapi.plugins import JsonRenderPlugin

from server.blobs.schemas import BlobPartialPublic
from server.blobs.uploads import CONTENT_RANGE
from server.errors import PROBLEM_JSON
from shared.instants import YEAR_PATTERN
from shared.protocol import PushRequest

IMAGE_TYPES = ("image/jpeg", "image/png")

_TITLES = {
    400: "The request is malformed: bad JSON, a wrong type, an unknown member, a value out "
    "of range, a NUL character",
    401: "No valid token (or a wrong username or password)",
    403: "Not allowed, or the device was revoked (`device_revoked`)",
    404: "No such record in your part of the tree",
    409: "The change conflicts with the record's state or with existing data",
    410: "The cursor is older than the server keeps: start over (`cursor_expired`)",
    413: "The body is too large (`payload_too_large`)",
    503: "Not ready to serve (`not_ready`): the database does not answer or its schema is "
    "behind; or, for a sync, too many syncs in progress (`server_busy`): come back after "
    "`Retry-After` seconds",
    415: "The bytes are not the image type declared (`unsupported_media_type`)",
    422: "Well-formed, but a value breaks a rule the schema cannot say: a code that names "
    "nothing (`unknown_category`), a reason left out (`reason_required`), fields that go "
    "together, a range that ends before it starts",
    426: "The app speaks an old sync protocol (`unsupported_protocol`)",
    429: "Too many attempts: wait `retry_after` seconds (`rate_limited`)",
}
_BLOB_TITLES = {
    422: "The bytes are refused: `hash_mismatch` (not the SHA-256 in the path), "
    "`exif_present` (EXIF in the image), `metadata_present` (anything else but pixels) or "
    "`image_too_large` (more than 40 million pixels)",
}

# The residents' calls need no token; every other /api/v1 call does (sign-in may answer
# 401/403). The residents' calls are throttled per client (429).
_PUBLIC = "/api/v1/public/"
_SIGN_IN = {"/api/v1/auth/login", "/api/v1/auth/refresh"}

BLOB_PATH = "/api/v1/blobs/{sha256}"
PUSH_PATH = "/api/v1/sync/push"
_REF = "#/components/schemas/"

# What the rules below do not tell: (method, path) → further statuses.
EXTRA_STATUSES: dict[tuple[str, str], set[int]] = {
    ("post", "/api/v1/auth/login"): {429},
    ("post", PUSH_PATH): {409, 413, 426, 503},  # 503 server_busy: server/sync/gate.py
    ("get", "/api/v1/sync/pull"): {410, 422, 426, 503},  # 422: a cursor of no server of ours
    ("get", "/api/v1/sync/live"): {503},  # the process cannot LISTEN yet (PostgreSQL)
    ("get", "/api/v1/residents"): {404},  # ?community= names no community
    ("get", "/api/v1/dashboard"): {422},  # ?until= before ?since=
    ("get", "/api/v1/stats"): {422},  # ?to= before ?from=, too long, or out of 1970–2200
    ("get", "/api/v1/requests/export.csv"): {400},
    ("get", "/api/v1/public/workstations"): {404},  # ?community= names no community
    ("get", "/api/v1/public/lookup"): {404},  # no request has this number and phone
    ("get", "/api/v1/funds"): {404},  # ?org_unit= names no unit in your area
    ("put", "/api/v1/funds/budget"): {404, 409},  # budget_below_spent
    ("get", "/api/v1/organisations"): {404},  # ?org_unit= names no unit in your area
    ("get", "/api/v1/organisations/figures"): {404},
    ("put", BLOB_PATH): {409, 413, 415, 422, 429},
    ("get", "/api/v1/devices"): {404},  # ?user_id= names no account in your area
    ("get", "/ready"): {503},  # not_ready: the database is gone or its schema is behind
}

# Parameters a handler reads as they are and checks itself: (method, path, name) → their
# schema. Another `protocol` is answered 426 (the phone must be updated), not 400.
PARAMETER_SCHEMAS: dict[tuple[str, str, str], dict[str, Any]] = {
    ("get", "/api/v1/sync/pull", "protocol"): {"type": "integer", "enum": [1]},
}

PROBLEM_SCHEMAS: dict[str, dict[str, Any]] = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details with a snake_case `code`.",
        "required": ["type", "title", "status", "code", "detail"],
        "properties": {
            "type": {"type": "string", "description": "a URI naming the kind of problem"},
            "title": {"type": "string", "description": "the status in words"},
            "status": {"type": "integer", "description": "the HTTP status"},
            "code": {"type": "string", "description": "what went wrong, in snake_case"},
            "detail": {"type": "string", "description": "what went wrong, for a person"},
            "expected": {
                "type": "integer",
                "description": "seq_gap: the seq the server waits for",
            },
            "retry_after": {
                "type": "integer",
                "description": "rate_limited: seconds to wait (also the Retry-After header)",
            },
            "errors": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/ProblemItem"},
                "description": "invalid_request: which parameters or members are wrong",
            },
            "missing": {
                "type": "array",
                "items": {"type": "string"},
                "description": "blobs_missing: the hashes to upload before pushing again",
            },
            "received": {
                "type": "integer",
                "description": "range_mismatch: the bytes of the upload received so far",
            },
        },
    },
    "ProblemItem": {
        "type": "object",
        "description": "One wrong parameter or member of an `invalid_request` problem.",
        "additionalProperties": True,
        "properties": {
            "key": {"type": "string", "description": "the parameter or member"},
            "message": {"type": "string", "description": "what is wrong with it"},
            "source": {"type": "string", "description": "where it was: body, query, path"},
        },
    },
    "BlobsMissingProblem": {
        "allOf": [{"$ref": "#/components/schemas/Problem"}],
        "required": ["missing"],
        "description": "409 `blobs_missing`: the push names photos or signatures the server "
        "does not hold complete; nothing of it was applied.",
    },
    "SeqGapProblem": {
        "allOf": [{"$ref": "#/components/schemas/Problem"}],
        "required": ["expected"],
        "description": "409 `seq_gap`: the batch does not start at the seq the server waits for.",
    },
    "RateLimitedProblem": {
        "allOf": [{"$ref": "#/components/schemas/Problem"}],
        "required": ["retry_after"],
        "description": "429 `rate_limited`: wait `retry_after` seconds.",
    },
}


# The access token of POST /api/v1/auth/login, as `Authorization: Bearer <token>`.
BEARER = "bearer"
SECURITY_SCHEMES = {
    BEARER: {
        "type": "http",
        "scheme": "bearer",
        "description": "The `access_token` of POST /api/v1/auth/login (or /refresh), sent as "
        "`Authorization: Bearer <token>`; a missing, expired or foreign one is answered 401.",
    }
}


def needs_token(path: str) -> bool:
    """Every /api/v1 call but the residents' and signing in (those carry no access token)."""
    return path.startswith("/api/v1/") and not path.startswith(_PUBLIC) and path not in _SIGN_IN


def unique_titles(components: dict[str, Any]) -> None:
    """Two components never share a title (a client generator names its classes by them):
    Litestar titles two bodies of the same class name alike (`AssignBody` of visits and of the
    hotline); each gets its package's name in front (`VisitsAssignBody`)."""
    by_title: dict[str, list[str]] = {}
    for name, component in components.items():
        by_title.setdefault(component.get("title", name), []).append(name)
    for title, names in by_title.items():
        if len(names) > 1:
            for name in names:
                package = name.split("_", 1)[0] if "_" in name else ""
                components[name]["title"] = package.capitalize() + title


def statuses(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """Every problem status this operation can answer."""
    found = set(EXTRA_STATUSES.get((method, path), ()))
    takes_body = "requestBody" in operation
    if operation.get("parameters") or takes_body:
        found.add(400)
    if takes_body:
        # A body may be too large, and (but to sign in) break a rule on its values.
        found |= {413} if path in _SIGN_IN else {413, 422}
    if path.startswith(_PUBLIC):
        found.add(429)
    elif path.startswith("/api/v1/"):
        found |= {401, 403}
    if "{" in path:
        found.add(404)
    if method == "post" and path.startswith("/api/v1/"):
        # A write may meet a record's state or a unique key (409), and names records (404).
        found |= {409} if path in _SIGN_IN else {404, 409}
    return found


def _problem_answer(method: str, path: str, status: int) -> dict[str, Any]:
    name = "Problem"
    if status == 429:
        name = "RateLimitedProblem"
    elif status == 409 and path == PUSH_PATH:
        name = "SeqGapProblem"
    schema: dict[str, Any] = {"$ref": f"#/components/schemas/{name}"}
    if name == "SeqGapProblem":
        schema = {"oneOf": [schema, {"$ref": "#/components/schemas/BlobsMissingProblem"}]}
    answer: dict[str, Any] = {
        "description": {**_TITLES, **_BLOB_TITLES}[status]
        if path == BLOB_PATH
        else _TITLES[status],
        "content": {PROBLEM_JSON: {"schema": schema}},
    }
    if status in (429, 503) and path != "/ready":
        answer["headers"] = {
            "Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}
        }
    return answer


def _bodies(app: Litestar) -> dict[tuple[str, str], type[msgspec.Struct]]:
    """(method, path) → the struct its handler decodes the body into."""
    bodies: dict[tuple[str, str], type[msgspec.Struct]] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            data = handler.parsed_data_field
            struct = data.annotation if data else None
            if isinstance(struct, type) and issubclass(struct, msgspec.Struct):
                for method in handler.http_methods:
                    bodies[(method.lower(), route.path_format)] = struct
    return bodies


def _exact_bodies(schema: dict[str, Any], app: Litestar) -> None:
    """Each body's schema as msgspec, which decodes it, sees it (unknown members refused
    included): Litestar's own drops some bounds (a `ge=0`, the items' lengths), so a body it
    called valid could be refused as malformed. The push body too: its handler reads raw bytes
    on purpose. Litestar's names for the bodies are kept; nothing else refers to them."""
    bodies = {**_bodies(app), ("post", PUSH_PATH): PushRequest}
    structs = sorted(set(bodies.values()), key=lambda struct: struct.__qualname__)
    refs, components = msgspec.json.schema_components(structs, ref_template=_REF + "{name}")
    ours = {struct: ref["$ref"] for struct, ref in zip(structs, refs, strict=True)}
    names: dict[str, str] = {}
    for (method, path), struct in bodies.items():
        body = schema["paths"][path][method].get("requestBody", {})
        theirs = body.get("content", {}).get("application/json", {}).get("schema", {})
        names[ours[struct]] = theirs.get("$ref", ours[struct])
    components = _renamed(components, names)
    for ref, name in names.items():
        components[name.removeprefix(_REF)] = components.pop(ref.removeprefix(_REF))
    _bound_times(components)
    schema["components"]["schemas"].update(components)
    for (method, path), struct in bodies.items():
        body = schema["paths"][path][method].setdefault("requestBody", {"required": True})
        body["content"] = {"application/json": {"schema": {"$ref": names[ours[struct]]}}}
    schema["paths"][PUSH_PATH]["post"]["requestBody"]["description"] = (
        "At most 1 MiB and 500 mutations (413). `protocol` other than 1 is answered 426 "
        "before the envelope is read."
    )


def _renamed(value: Any, refs: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {
            key: refs.get(item, item) if key == "$ref" else _renamed(item, refs)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_renamed(item, refs) for item in value]
    return value


def _bound_times(value: Any) -> None:
    """Every time a body takes lies in 1970–2199 as written (see shared.instants)."""
    if isinstance(value, dict):
        if value.get("format") == "date-time":
            value["pattern"] = YEAR_PATTERN
        for item in value.values():
            _bound_times(item)
    elif isinstance(value, list):
        for item in value:
            _bound_times(item)


def finish(app: Litestar, generated: dict[str, Any]) -> dict[str, Any]:
    """The generated schema with every problem answer and exact bodies."""
    schema = copy.deepcopy(generated)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(PROBLEM_SCHEMAS)
    schema["components"]["securitySchemes"] = copy.deepcopy(SECURITY_SCHEMES)
    _exact_bodies(schema, app)
    unique_titles(components)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if needs_token(path):
                operation["security"] = [{BEARER: []}]
            for parameter in operation.get("parameters", ()):
                key = (method, path, parameter["name"])
                parameter["schema"] = PARAMETER_SCHEMAS.get(key, parameter["schema"])
            responses = operation["responses"]
            for status in statuses(method, path, operation):
                responses[str(status)] = _problem_answer(method, path, status)
            if path == BLOB_PATH:
                blob_operation(method, operation, components)
    return schema


_IMAGES = {kind: {"schema": {"type": "string", "format": "binary"}} for kind in IMAGE_TYPES}


def blob_operation(method: str, operation: dict[str, Any], components: dict[str, Any]) -> None:
    """A blob route as it really is: image bytes in and out, the chunk header, the answers
    Litestar cannot see (a handler that streams its body and picks its status)."""
    received = {
        "Doorstep-Received": {
            "schema": {"type": "integer"},
            "description": "bytes of the blob (or of the device's upload) the server holds",
        }
    }
    responses = operation["responses"]
    if method == "put":
        (_,), more = msgspec.json.schema_components(
            [BlobPartialPublic], ref_template=_REF + "{name}"
        )
        components.update(more)
        operation["requestBody"] = {"required": True, "content": _IMAGES}
        operation.setdefault("parameters", []).append(
            {
                "name": "Content-Range",
                "in": "header",
                "required": False,
                "description": "`bytes START-END/TOTAL`: one chunk of a resumable upload",
                "schema": {"type": "string", "pattern": CONTENT_RANGE.pattern},
            }
        )
        stored = responses.pop("201")
        stored["headers"] = received
        responses["201"] = {**stored, "description": "Stored (the blob is complete)"}
        responses["200"] = {**stored, "description": "Already stored"}
        responses["202"] = {
            "description": "A chunk stored; the upload is not complete yet",
            "headers": received,
            "content": {"application/json": {"schema": {"$ref": f"{_REF}BlobPartialPublic"}}},
        }
    elif method == "get":
        responses["200"] = {"description": "The blob's bytes", "content": _IMAGES}
    elif method == "head":
        # A HEAD answer has no body: only its status and headers.
        for answer in responses.values():
            answer.pop("content", None)
        responses["200"] = {"description": "The blob is complete", "headers": received}
        responses["404"] = {
            "description": "Not complete; `Doorstep-Received` when part of the caller's "
            "upload has arrived",
            "headers": received,
        }


class OpenAPIJson(JsonRenderPlugin):
    """Serves /schema/openapi.json as `finish` makes it, computed once."""

    def __init__(self) -> None:
        super().__init__()
        self._finished: dict[str, Any] | None = None

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        if self._finished is None:
            self._finished = finish(request.app, openapi_schema)
        return self.render_json(request, self._finished)
