"""HTTP: Open311 GeoReport v2 under /open311/v2/, each endpoint in `.json` and `.xml` (the
spec's default): discovery, services, services/{code}, requests (GET with the spec's filters;
POST form-encoded or multipart with an api_key, from the form or the query string),
requests/{service_request_id} and tokens/{token}. Errors, a 500 included, are the spec's list
of {code, description}. Browser apps of the configured origins may read it (CORS)."""

import logging

from litestar import Request, Response, Router, get, post
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import FromPath

from server.blobs.uploads import MAX_BLOB_BYTES, store_for
from server.clock import utcnow
from server.deps import Runtime_, Session
from server.errors import ProblemError, Refusal
from server.open311 import formats, keys, service
from server.open311 import media as open311_media
from server.public.throttle import guard

log = logging.getLogger("doorstep.open311")
PREFIX = "/open311/v2"


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "zh"


def _cors(request: Request) -> dict[str, str]:
    """Access-Control-Allow-Origin for an Origin the operator allowed (none otherwise)."""
    origin = request.headers.get("origin", "").rstrip("/")
    runtime = getattr(request.app.state, "runtime", None)
    allowed = runtime.settings.open311_cors_origins if runtime is not None else ()
    if origin and (origin in allowed or "*" in allowed):
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {}


def answer(request: Request, kind: str, content, status: int = 200, headers=None) -> Response:
    """`content` in the format the path names (.xml or .json)."""
    headers = {**(headers or {}), **_cors(request)}
    if formats.path_format(request.url.path) == "xml":
        return Response(
            content=formats.to_xml(kind, content),
            status_code=status,
            media_type=formats.XML,
            headers=headers,
        )
    return Response(content=content, status_code=status, media_type=formats.JSON, headers=headers)


def spec_error(request: Request, exc: Exception) -> Response:
    """The spec's error list; the status is the HTTP status, the code the same number."""
    headers: dict[str, str] = {}
    if isinstance(exc, ProblemError):
        status, text = exc.status, exc.detail
        if "retry_after" in exc.extra:
            headers["Retry-After"] = str(exc.extra["retry_after"])
    elif isinstance(exc, Refusal):
        status, text = exc.status, exc.message
    elif isinstance(exc, HTTPException):
        status, text, headers = exc.status_code, str(exc.detail), dict(exc.headers or {})
    else:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        status, text = 500, "Something went wrong on the server."
    content = [{"code": status, "description": text}]
    return answer(request, "errors", content, status, headers)


def _named(name: str) -> str:
    """`001.json` / `001.xml` → `001`; other formats are not served (404)."""
    found = formats.split(name)
    if found is None:
        raise ProblemError(404, "not_found", "Only the .json and .xml formats are served.")
    return found[0]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _both(path: str) -> list[str]:
    return [f"{path}.{suffix}" for suffix in formats.FORMATS]


@get(_both("/discovery"))
async def discovery(request: Request) -> Response:
    base = str(request.base_url).rstrip("/") + PREFIX
    return answer(request, "discovery", formats.discovery(base, "12345"))


@get(_both("/services"))
async def services(request: Request, db_session: Session) -> Response:
    await guard(request, "read")
    return answer(request, "services", await service.services(db_session, _lang(request)))


@get("/services/{name:str}")
async def service_definition(
    request: Request, name: FromPath[str], db_session: Session
) -> Response:
    await guard(request, "read")
    found = await service.category(db_session, _named(name))
    return answer(request, "service_definition", {"service_code": found.code, "attributes": []})


@get(_both("/requests"))
async def list_requests(request: Request, db_session: Session, runtime: Runtime_) -> Response:
    await guard(request, "read")
    query = {key: request.query_params.get(key) for key in request.query_params}
    rows = await service.search(db_session, query, utcnow())
    zone = runtime.settings.timezone
    shown = await service.shown(db_session, rows, zone, _lang(request), _base(request))
    return answer(request, "requests", shown)


@get("/requests/{name:str}")
async def one_request(
    request: Request, name: FromPath[str], db_session: Session, runtime: Runtime_
) -> Response:
    await guard(request, "read")
    found = await service.by_number(db_session, _named(name))
    zone = runtime.settings.timezone
    shown = await service.shown(db_session, [found], zone, _lang(request), _base(request))
    return answer(request, "requests", shown)


@get("/tokens/{name:str}")
async def token(request: Request, name: FromPath[str], db_session: Session) -> Response:
    """A POST answers the service_request_id at once; its token is that id, so a client that
    asks for the id by token gets it back."""
    await guard(request, "read")
    found = await service.by_number(db_session, _named(name))
    return answer(
        request, "requests", [{"service_request_id": found.number, "token": found.number}]
    )


@post(_both("/requests"), request_max_body_size=MAX_BLOB_BYTES + 64 * 1024)
async def file_request(request: Request, db_session: Session, runtime: Runtime_) -> Response:
    form, part = await service.read_form(request)
    client = await keys.check(
        db_session, form.get("api_key") or request.query_params.get("api_key")
    )
    await guard(request, "file", who=f"open311:{client.id}")

    async def keep_photo() -> tuple[str, str]:
        return await open311_media.keep(store_for(runtime), str(client.id), part)

    filed = await service.file(
        db_session,
        form,
        client.name,
        utcnow(),
        _lang(request),
        keep_photo if part is not None else None,
    )
    return answer(request, "requests", [filed], 201)


@get("/media/{sha256:str}")
async def media(
    request: Request, sha256: FromPath[str], db_session: Session, runtime: Runtime_
) -> Response:
    """The photo an Open311 request was filed with (its `media_url`)."""
    await guard(request, "read")
    found = await service.media_of(db_session, sha256)
    store = store_for(runtime)
    if found.media_sha256 is None or not store.has(found.media_sha256):
        raise ProblemError(404, "not_found", "The photo is not on this server.")
    with store.open(found.media_sha256) as file:
        data = file.read()
    headers = {**_cors(request), "Cache-Control": "public, max-age=86400"}
    return Response(content=data, media_type=found.media_type, headers=headers)


ROUTES = [
    Router(
        path=PREFIX,
        route_handlers=[
            discovery,
            services,
            service_definition,
            list_requests,
            one_request,
            token,
            file_request,
            media,
        ],
        # Every kind the app handles, so that none falls to its problem+json handler.
        exception_handlers={
            kind: spec_error
            for kind in (ProblemError, Refusal, ValidationException, HTTPException, Exception)
        },
        include_in_schema=False,
    )
]
__all__ = ["ROUTES", "answer", "spec_error"]
