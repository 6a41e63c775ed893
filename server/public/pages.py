"""The residents' pages under /public/: report a problem, follow it by the private link, rate
the result, look up the catalogue and the community workstation. Chinese first; no script;
forms carry a double-submit CSRF token; every refusal is a page in the person's language."""

import hashlib
import hmac
import secrets
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from server.clock import utcnow
from server.deps import Runtime_, Session
from server.errors import ProblemError, Refusal, code_for_status
from server.public import service
from server.public.schemas import PublicRatingBody, PublicRequestCreate
from server.public.throttle import guard
from server.runtime import Runtime
from shared import words
from shared.localtime import format_local

LANG = "doorstep_lang"  # the same cookie as the console's: one choice of language
CSRF_COOKIE = "doorstep_public"
YEAR = 3600 * 24 * 365
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def language(request: Request) -> str:
    return "en" if request.cookies.get(LANG) == "en" else "zh"


def _csrf_for(runtime: Runtime, cookie: str) -> str:
    return hmac.new(runtime.token_key, f"public-csrf:{cookie}".encode(), hashlib.sha256).hexdigest()


def _render(
    request: Request, runtime: Runtime, name: str, status: int = 200, **context: Any
) -> Template:
    """A page in the person's language; a browser without the CSRF cookie is given one."""
    lang = language(request)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    fresh = None
    if len(cookie) < 32:
        cookie = fresh = secrets.token_urlsafe(32)
    zone = runtime.settings.timezone
    response = Template(
        template_name=name,
        status_code=status,
        context={
            "tr": words.translator("public", lang),
            "lang": lang,
            "path": request.url.path,
            "csrf": _csrf_for(runtime, cookie),
            "when": lambda moment: format_local(moment, lang, zone, year=True),
            **context,
        },
        headers=dict(PRIVATE),
    )
    if fresh:
        response.set_cookie(
            CSRF_COOKIE,
            fresh,
            httponly=True,
            samesite="strict",
            max_age=YEAR,
            secure=runtime.settings.secure_cookies,
            path="/public",
        )
    return response


async def _form(request: Request, runtime: Runtime) -> dict[str, str]:
    """The posted form, after its CSRF token matches the browser's cookie (403 otherwise)."""
    form = await request.form()
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = str(form.get("_csrf_token", ""))
    if len(cookie) < 32 or not hmac.compare_digest(sent, _csrf_for(runtime, cookie)):
        raise ProblemError(403, "csrf_failed", "The form has expired. Reload the page.")
    return {key: str(value) for key, value in form.items()}


def _parse(form: dict[str, str], body: type) -> Any:
    fields = {k: v.strip() for k, v in form.items() if k in body.__struct_fields__ and v.strip()}
    try:
        return msgspec.convert(fields, body, strict=False)
    except msgspec.ValidationError as exc:
        raise Refusal("invalid_request", str(exc), 400) from None


def to_error_page(request: Request, exc: Exception) -> Response:
    """Any refusal as a page in the person's language, with the way back; nothing changed."""
    if isinstance(exc, Refusal | ProblemError):
        status, code = exc.status, exc.code
        extra = getattr(exc, "extra", {})
    elif isinstance(exc, HTTPException):
        status, code, extra = exc.status_code, code_for_status(exc.status_code), {}
    else:
        raise exc
    tr = words.translator("public", language(request))
    key = f"e_{code}" if words.has(f"public.e_{code}") else "e_other"
    wait = extra.get("retry_after", 0)
    # Keeps what the framework says with the error, such as `Allow` on a 405.
    headers = {**(getattr(exc, "headers", None) or {}), **PRIVATE}
    if wait:
        headers["Retry-After"] = str(wait)
    return Template(
        template_name="public_error.html",
        status_code=status,
        context={
            "tr": tr,
            "lang": language(request),
            "path": "/public/",
            "csrf": "",
            "error": tr(key, wait=wait) if key == "e_rate_limited" else tr(key),
        },
        headers=headers,
    )


class PublicPages(Controller):
    path = "/public"
    include_in_schema = False
    exception_handlers = {
        Refusal: to_error_page,
        ProblemError: to_error_page,
        HTTPException: to_error_page,
    }

    @get("/")
    async def report_form(
        self, request: Request, db_session: Session, runtime: Runtime_
    ) -> Template:
        await guard(request, "read")
        categories = await service.catalogue(db_session)
        return _render(request, runtime, "public_report.html", categories=categories, form={})

    @post("/requests", status_code=303)
    async def report(self, request: Request, db_session: Session, runtime: Runtime_) -> Response:
        form = await _form(request, runtime)
        await guard(request, "submit")
        body = _parse(form, PublicRequestCreate)
        _, token = await service.submit(
            db_session, msgspec.structs.asdict(body), "public", utcnow()
        )
        return Redirect(path=f"/public/track/{token}?new=1", status_code=303, headers=PRIVATE)

    @get("/track/{token:str}")
    async def track(
        self, request: Request, token: FromPath[str], db_session: Session, runtime: Runtime_
    ) -> Template:
        await guard(request, "read")
        found = await service.by_token(db_session, token)
        shown = await service.view(db_session, found, language(request))
        return _render(
            request,
            runtime,
            "public_track.html",
            r=shown,
            token=token,
            new=request.query_params.get("new") == "1",
            link=str(request.base_url).rstrip("/") + f"/public/track/{token}",
        )

    @post("/track/{token:str}/rating", status_code=303)
    async def rate(
        self, request: Request, token: FromPath[str], db_session: Session, runtime: Runtime_
    ) -> Response:
        form = await _form(request, runtime)
        await guard(request, "rate")
        if not form.get("score", "").strip():
            # Only an explicit choice counts: the page again, what was typed kept, the
            # missing choice said next to it; nothing is rated.
            found = await service.by_token(db_session, token)
            shown = await service.view(db_session, found, language(request))
            tr = words.translator("public", language(request))
            return _render(
                request,
                runtime,
                "public_track.html",
                status=400,
                r=shown,
                token=token,
                new=False,
                link=str(request.base_url).rstrip("/") + f"/public/track/{token}",
                score_error=tr("e_score_missing"),
                comment=form.get("comment", ""),
            )
        body = _parse(form, PublicRatingBody)
        await service.rate(db_session, token, body.score, body.comment, utcnow())
        return Redirect(path=f"/public/track/{token}", status_code=303, headers=PRIVATE)

    @get("/catalogue")
    async def catalogue(self, request: Request, db_session: Session, runtime: Runtime_) -> Template:
        await guard(request, "read")
        lang = language(request)
        code = request.query_params.get("community", "")[:40]
        stations = await service.workstations(db_session, None, lang)
        chosen = next((s for s in stations if s.code == code), None)
        return _render(
            request,
            runtime,
            "public_catalogue.html",
            categories=await service.catalogue(db_session),
            stations=stations,
            chosen=chosen,
        )

    @get("/language")
    async def switch_language(self, request: Request) -> Response:
        target = request.query_params.get("next", "/public/")
        if not target.startswith("/public/") or "//" in target or "\\" in target:
            target = "/public/"
        response = Redirect(path=target)
        response.set_cookie(
            LANG, "en" if language(request) == "zh" else "zh", samesite="lax", max_age=YEAR
        )
        return response


ROUTES = [PublicPages]
__all__ = ["ROUTES"]
