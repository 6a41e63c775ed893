"""The residents' pages under /public/: report a problem, follow it by the private link (or
look it up by number and phone), rate the result, look up the catalogue and the community
workstation. Chinese first; one small script of the server's own (copy and share the link);
forms carry a double-submit CSRF token; a form refused keeps what was typed and names the
field; every other refusal is a page in the person's language."""

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
from server.public import form_errors, service
from server.public.form_errors import FieldError, phone_error
from server.public.qr import SHARE_SCRIPT, qr_svg
from server.public.schemas import PublicRatingBody, PublicRequestCreate
from server.public.throttle import guard
from server.runtime import Runtime
from shared import words
from shared.localtime import format_local
from shared.phones import read_phone

LANG = "doorstep_lang"  # the same cookie as the console's: one choice of language
CSRF_COOKIE = "doorstep_public"
YEAR = 3600 * 24 * 365
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
# What the browser is told a phone looks like (digits, full-width too, spaces and dashes, a
# note after it): it only hints the keyboard and marks the field; the server reads the number.
PHONE_PATTERN = r"[+＋]?[0-9０-９][0-9０-９ \-－]{4,30}.*"
# The tracking page runs the server's own script (copy, share); every other page runs none.
WITH_SCRIPT = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
        "object-src 'none'"
    )
}


def language(request: Request) -> str:
    return "en" if request.cookies.get(LANG) == "en" else "zh"


def _csrf_for(runtime: Runtime, cookie: str) -> str:
    return hmac.new(runtime.token_key, f"public-csrf:{cookie}".encode(), hashlib.sha256).hexdigest()


def _render(
    request: Request,
    runtime: Runtime,
    name: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
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
            "hotline": runtime.settings.hotline_number,
            "phone_pattern": PHONE_PATTERN,
            "form": {},
            "error": None,
            **context,
        },
        headers={**PRIVATE, **(headers or {})},
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
            "hotline": request.app.state.runtime.settings.hotline_number,
            "message": tr(key, wait=wait) if key == "e_rate_limited" else tr(key),
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
        try:
            reading = read_phone(form.get("caller_phone", ""))
            if reading.number is None:
                raise phone_error("caller_phone", reading)
            body = form_errors.parse({**form, "caller_phone": reading.number}, PublicRequestCreate)
            # A refusal of the hotline's rules (an unknown category) undoes only this.
            async with db_session.begin_nested():
                _, token = await service.submit(
                    db_session, msgspec.structs.asdict(body), "public", utcnow()
                )
        except (FieldError, Refusal) as exc:
            problem = exc if isinstance(exc, FieldError) else form_errors.from_refusal(exc)
            return _render(
                request,
                runtime,
                "public_report.html",
                status=problem.status,
                categories=await service.catalogue(db_session),
                form=form,
                error=problem.words(language(request)),
            )
        return Redirect(path=f"/public/track/{token}?new=1", status_code=303, headers=PRIVATE)

    @get("/track/{token:str}")
    async def track(
        self, request: Request, token: FromPath[str], db_session: Session, runtime: Runtime_
    ) -> Template:
        await guard(request, "read")
        found = await service.by_token(db_session, token)
        shown = await service.view(db_session, found, language(request))
        link = str(request.base_url).rstrip("/") + f"/public/track/{token}"
        return _render(
            request,
            runtime,
            "public_track.html",
            headers=WITH_SCRIPT,
            r=shown,
            token=token,
            new=request.query_params.get("new") == "1",
            earlier=await service.earlier_number(db_session, found),
            link=link,
            qr=qr_svg(link, words.word("public.qr_title", language(request))),
        )

    @get("/lookup")
    async def lookup_form(self, request: Request, runtime: Runtime_) -> Template:
        await guard(request, "read")
        return _render(request, runtime, "public_lookup.html")

    @post("/lookup", status_code=200)
    async def lookup(self, request: Request, db_session: Session, runtime: Runtime_) -> Template:
        """By number and phone: the tracking view itself (no link, no rating: the token is
        what rates), or the form again with what was typed and the field to check."""
        form = await _form(request, runtime)
        await guard(request, "lookup")
        lang = language(request)
        number, phone = form.get("number", "").strip(), form.get("phone", "").strip()
        try:
            if not number:
                raise FieldError("number", "fe_missing")
            reading = read_phone(phone)
            if reading.number is None:
                raise phone_error("phone", reading)
            found = await service.by_number_and_phone(db_session, number, reading.number)
        except FieldError as problem:
            error = problem.words(lang)
        except Refusal as exc:
            if exc.code != "not_found":
                raise
            error = FieldError("number", "fe_lookup_missed", status=404).words(lang)
        else:
            shown = await service.view(db_session, found, lang)
            return _render(request, runtime, "public_track.html", r=shown, token=None)
        return _render(
            request,
            runtime,
            "public_lookup.html",
            status=error["status"],
            form={"number": number[:40], "phone": phone[:60]},
            error=error,
        )

    @get("/share.js", media_type="text/javascript")
    async def share_script(self) -> Response:
        return Response(
            SHARE_SCRIPT,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=3600"},
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
            categories=await service.catalogue(db_session, language(request)),
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
