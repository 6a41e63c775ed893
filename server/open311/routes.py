"""HTTP: Open311 GeoReport v2 under /open311/v2/ (JSON): services.json, services/{code}.json,
requests.json (GET with the spec's filters; POST form-encoded with an api_key) and
requests/{service_request_id}.json. Errors in the spec's shape: [{"code", "description"}]."""

from litestar import Request, Response, Router, get, post
from litestar.exceptions import HTTPException
from litestar.params import FromPath

from server.clock import utcnow
from server.deps import Runtime_, Session
from server.errors import ProblemError, Refusal
from server.open311 import keys, service
from server.public.throttle import guard

JSON = "application/json"


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "zh"


def _answer(content, status: int = 200) -> Response:
    return Response(content=content, status_code=status, media_type=JSON)


def spec_error(_: Request, exc: Exception) -> Response:
    """The spec's error list; the status is the HTTP status, the code the same number."""
    if isinstance(exc, ProblemError):
        status, text = exc.status, exc.detail
        headers = (
            {"Retry-After": str(exc.extra["retry_after"])} if "retry_after" in exc.extra else {}
        )
    elif isinstance(exc, Refusal):
        status, text, headers = exc.status, exc.message, {}
    elif isinstance(exc, HTTPException):
        status, text, headers = exc.status_code, str(exc.detail), dict(exc.headers or {})
    else:
        raise exc
    return Response(
        content=[{"code": status, "description": text}],
        status_code=status,
        media_type=JSON,
        headers=headers,
    )


def _suffix(name: str) -> str:
    """`001.json` → `001`; other formats are not served (404)."""
    if not name.endswith(".json"):
        raise ProblemError(404, "not_found", "Only the .json format is served.")
    return name[: -len(".json")]


@get("/services.json")
async def services(request: Request, db_session: Session) -> Response:
    await guard(request, "read")
    return _answer(await service.services(db_session, _lang(request)))


@get("/services/{name:str}")
async def service_definition(
    request: Request, name: FromPath[str], db_session: Session
) -> Response:
    await guard(request, "read")
    found = await service.category(db_session, _suffix(name))
    return _answer({"service_code": found.code, "attributes": []})


@get("/requests.json")
async def list_requests(request: Request, db_session: Session, runtime: Runtime_) -> Response:
    await guard(request, "read")
    query = {key: request.query_params.get(key) for key in request.query_params}
    rows = await service.search(db_session, query, utcnow())
    zone = runtime.settings.timezone
    return _answer(await service.shown(db_session, rows, zone, _lang(request)))


@get("/requests/{name:str}")
async def one_request(
    request: Request, name: FromPath[str], db_session: Session, runtime: Runtime_
) -> Response:
    await guard(request, "read")
    found = await service.by_number(db_session, _suffix(name))
    zone = runtime.settings.timezone
    return _answer(await service.shown(db_session, [found], zone, _lang(request)))


@post("/requests.json")
async def file_request(request: Request, db_session: Session) -> Response:
    form = {key: str(value) for key, value in (await request.form()).items()}
    client = await keys.check(db_session, form.get("api_key"))
    await guard(request, "file", who=f"open311:{client.id}")
    filed = await service.file(db_session, form, client.name, utcnow(), _lang(request))
    return _answer([filed], 201)


ROUTES = [
    Router(
        path="/open311/v2",
        route_handlers=[services, service_definition, list_requests, one_request, file_request],
        exception_handlers={
            ProblemError: spec_error,
            Refusal: spec_error,
            HTTPException: spec_error,
        },
        include_in_schema=False,
    )
]
__all__ = ["ROUTES", "spec_error"]
