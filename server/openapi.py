"""The served OpenAPI schema, finished in one place: every problem an operation can answer, bodies
that refuse unknown members, and the push body (its handler reads raw bytes on purpose).

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
from server.errors import PROBLEM_JSON
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
    503: "Not ready to serve (`not_ready`): the database does not answer or its schema is behind",
    415: "The bytes are not the image type declared (`unsupported_media_type`)",
    422: "The bytes are refused: `hash_mismatch` (not the SHA-256 in the path), "
    "`exif_present` (EXIF in the image), `metadata_present` (anything else but pixels) or "
    "`image_too_large` (more than 40 million pixels)",
    426: "The app speaks an old sync protocol (`unsupported_protocol`)",
    429: "Too many attempts: wait `retry_after` seconds (`rate_limited`)",
}

# The residents' calls need no token; every other /api/v1 call does (sign-in may answer
# 401/403). The residents' calls are throttled per client (429).
_PUBLIC = "/api/v1/public/"
_SIGN_IN = {"/api/v1/auth/login", "/api/v1/auth/refresh"}

BLOB_PATH = "/api/v1/blobs/{sha256}"

# What the rules below do not tell: (method, path) → further statuses.
EXTRA_STATUSES: dict[tuple[str, str], set[int]] = {
    ("post", "/api/v1/auth/login"): {429},
    ("post", "/api/v1/sync/push"): {409, 413, 426},
    ("get", "/api/v1/sync/pull"): {410, 426},
    ("get", "/api/v1/residents"): {404},  # ?community= names no community
    ("get", "/api/v1/requests/export.csv"): {400},
    ("get", "/api/v1/public/workstations"): {404},  # ?community= names no community
    ("get", "/api/v1/funds"): {404},  # ?org_unit= names no unit in your area
    ("put", "/api/v1/funds/budget"): {404, 409},  # budget_below_spent
    ("get", "/api/v1/organisations"): {404},  # ?org_unit= names no unit in your area
    ("get", "/api/v1/organisations/figures"): {404},
    ("put", BLOB_PATH): {409, 413, 415, 422, 429},
    ("get", "/api/v1/devices"): {404},  # ?user_id= names no account in your area
    ("get", "/ready"): {503},  # not_ready: the database is gone or its schema is behind
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
                "items": {"type": "object"},
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


def statuses(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """Every problem status this operation can answer."""
    found = set(EXTRA_STATUSES.get((method, path), ()))
    takes_body = "requestBody" in operation
    if operation.get("parameters") or takes_body:
        found.add(400)
    if takes_body:
        found.add(413)
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
    elif status == 409 and path == "/api/v1/sync/push":
        name = "SeqGapProblem"
    schema: dict[str, Any] = {"$ref": f"#/components/schemas/{name}"}
    if name == "SeqGapProblem":
        schema = {"oneOf": [schema, {"$ref": "#/components/schemas/BlobsMissingProblem"}]}
    answer: dict[str, Any] = {
        "description": _TITLES[status],
        "content": {PROBLEM_JSON: {"schema": schema}},
    }
    if status == 429:
        answer["headers"] = {
            "Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}
        }
    return answer


def _strict_bodies(app: Litestar) -> set[tuple[str, str]]:
    """(method, path) of the operations whose body struct refuses unknown members."""
    strict = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            data = handler.parsed_data_field
            config = getattr(data.annotation, "__struct_config__", None) if data else None
            if config is not None and config.forbid_unknown_fields:
                for method in handler.http_methods:
                    strict.add((method.lower(), route.path_format))
    return strict


def _push_body(schema: dict[str, Any]) -> dict[str, Any]:
    (body,), components = msgspec.json.schema_components(
        [PushRequest], ref_template="#/components/schemas/{name}"
    )
    schema["components"]["schemas"].update(components)
    return {
        "required": True,
        "description": "At most 1 MiB and 500 mutations (413). `protocol` other than 1 is "
        "answered 426 before the envelope is read.",
        "content": {"application/json": {"schema": body}},
    }


def finish(app: Litestar, generated: dict[str, Any]) -> dict[str, Any]:
    """The generated schema with every problem answer, strict bodies and the push body."""
    schema = copy.deepcopy(generated)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(PROBLEM_SCHEMAS)
    strict = _strict_bodies(app)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if (method, path) == ("post", "/api/v1/sync/push"):
                operation["requestBody"] = _push_body(schema)
            if path == BLOB_PATH:
                blob_operation(method, operation, components)
            responses = operation["responses"]
            for status in statuses(method, path, operation):
                responses[str(status)] = _problem_answer(method, path, status)
            if (method, path) in strict:
                ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                components[ref.rsplit("/", 1)[-1]]["additionalProperties"] = False
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
                "schema": {"type": "string", "maxLength": 60},
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


_REF = "#/components/schemas/"


class OpenAPIJson(JsonRenderPlugin):
    """Serves /schema/openapi.json as `finish` makes it, computed once."""

    def __init__(self) -> None:
        super().__init__()
        self._finished: dict[str, Any] | None = None

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        if self._finished is None:
            self._finished = finish(request.app, openapi_schema)
        return self.render_json(request, self._finished)
