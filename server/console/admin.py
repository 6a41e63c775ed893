"""The console's admin pages: accounts (create, disable, reset a password, change role or unit
after seeing the scope preview), devices (last contact, revoke), the org tree, the service
catalogue (by key programme) and the holiday table the time limits run on. A skin over
server/accounts and server/hotline: the same service calls, rules and audit as the API."""

import uuid
from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts import service as accounts
from server.accounts.schemas import PasswordReset, UserCreate, UserUpdate
from server.auth import service as auth
from server.auth.service import Principal
from server.clock import utcnow
from server.console import forms
from server.console.listing import PAGE_SIZE as PAGE
from server.console.listing import page_number, pager
from server.console.session import language, page
from server.console.urls import redirect
from server.deps import Runtime_, Session, Viewer
from server.errors import Refusal
from server.hotline import holidays
from server.hotline import service as hotline
from server.org.service import departments, unit_by_code, visible_units
from server.runtime import Runtime
from server.sync import preview
from shared.administration import may_grant, may_manage_account
from shared.catalogue import PROGRAMMES
from shared.enums import Role
from shared.levels import may_keep_calendar
from shared.localtime import format_local
from shared.permissions import may_revoke_device


def _account_page(request: Request, user_id: uuid.UUID, done: str = "") -> Redirect:
    return redirect(request, "console.account", {"done": done} if done else None, user_id=user_id)


def _when(request: Request, runtime: Runtime):
    """Times as the person reads them: local, in their language."""
    lang, zone = language(request), runtime.settings.timezone
    return lambda moment: format_local(moment, lang, zone) if moment else ""


def _query(request: Request, name: str) -> str | None:
    value = request.query_params.get(name, "").strip()
    return value or None


class HolidayForm(msgspec.Struct):
    """A day of a new year's notice, as the holiday page's form sends it."""

    day: date
    workday: bool = False
    name: Annotated[str, msgspec.Meta(max_length=80)] = ""


class Admin(Controller):
    """The admin pages, for managers; others get a refusal page (the console's router
    supplies the session and the error pages)."""

    path = "/admin"

    async def _grantable(self, db_session: AsyncSession, viewer: Principal) -> dict[str, Any]:
        """The units the viewer sees, and the roles it may give in at least one of them."""
        units = await visible_units(db_session, viewer.actor)
        roles = [r for r in Role if any(may_grant(viewer.actor, r, u.path) for u in units)]
        # A department account names its member department: the list only for who may give one.
        listed = await departments(db_session) if Role.DEPARTMENT in roles else []
        return {"units": units, "roles": roles, "departments": listed}

    @get("/accounts", name="console.accounts")
    async def accounts_page(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Template:
        text = _query(request, "q")
        if text and len(text) > 60:
            raise Refusal("invalid_request", "The search is too long.", 400)
        number = page_number(request)
        found = await accounts.search(db_session, viewer.actor, text, PAGE + 1, (number - 1) * PAGE)
        more = len(found) > PAGE
        found = found[:PAGE]
        rows = [
            {
                "user": user,
                "unit": unit,
                "manage": may_manage_account(viewer.actor, user.role, unit.path),
            }
            for user, unit in found
        ]
        return page(
            request,
            runtime,
            "admin_accounts.html",
            viewer,
            rows=rows,
            q=text or "",
            pager=pager(request, number, more, {"q": text or ""}),
            **await self._grantable(db_session, viewer),
        )

    @post("/accounts", name="console.create_account", status_code=303)
    async def create_account(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Response:
        body = await forms.read(request, runtime, UserCreate)
        user = await accounts.create(
            db_session, runtime, viewer.actor, msgspec.structs.asdict(body)
        )
        return _account_page(request, user.id, "created")

    @get("/accounts/{user_id:uuid}", name="console.account")
    async def account_page(
        self,
        request: Request,
        user_id: FromPath[uuid.UUID],
        db_session: Session,
        runtime: Runtime_,
        viewer: Viewer,
    ) -> Template:
        user, unit = await accounts.visible(db_session, viewer.actor, user_id)
        change = await preview.scope_change(db_session, viewer.actor, user_id, None, None)
        return page(
            request,
            runtime,
            "admin_account.html",
            viewer,
            account=user,
            account_unit=unit,
            manage=may_manage_account(viewer.actor, user.role, unit.path),
            myself=user.id == viewer.user.id,
            holdings=change["current"],
            devices=await accounts.devices(db_session, viewer.actor, user_id),
            can_revoke=may_revoke_device(viewer.actor, unit.path),
            when=_when(request, runtime),
            done=_query(request, "done") or "",
            **await self._grantable(db_session, viewer),
        )

    @get("/accounts/{user_id:uuid}/preview", name="console.account_preview")
    async def preview_page(
        self,
        request: Request,
        user_id: FromPath[uuid.UUID],
        db_session: Session,
        runtime: Runtime_,
        viewer: Viewer,
    ) -> Template:
        """What a proposed role or unit would do to the account's phone, before it is made."""
        user, unit = await accounts.visible(db_session, viewer.actor, user_id)
        role, unit_code = _query(request, "role"), _query(request, "org_unit_code")
        department_code = _query(request, "department_code") or ""
        if (role and len(role) > 20) or (unit_code and len(unit_code) > 40):
            raise Refusal("invalid_request", "No such role or unit.", 400)
        if len(department_code) > 40:
            raise Refusal("invalid_request", "No such department.", 400)
        # A department account names its department, kept through the confirmation; the
        # department only goes with the department role (accounts.update refuses the rest).
        if role != Role.DEPARTMENT:
            department_code = ""
        change = await preview.scope_change(db_session, viewer.actor, user_id, role, unit_code)
        target = await unit_by_code(db_session, unit_code) if unit_code else unit
        return page(
            request,
            runtime,
            "admin_preview.html",
            viewer,
            account=user,
            account_unit=unit,
            role=role or user.role,
            target=target,
            change=change,
            department_code=department_code,
        )

    @post("/accounts/{user_id:uuid}/update", name="console.update_account", status_code=303)
    async def update_account(
        self,
        request: Request,
        user_id: FromPath[uuid.UUID],
        db_session: Session,
        runtime: Runtime_,
        viewer: Viewer,
    ) -> Response:
        """The confirmed reassignment, a new display name, or disabling/enabling."""
        body = await forms.read(request, runtime, UserUpdate)
        fields = msgspec.structs.asdict(body)
        await accounts.update(db_session, viewer.actor, user_id, fields, utcnow())
        return _account_page(request, user_id, "saved")

    @post("/accounts/{user_id:uuid}/password", name="console.reset_password", status_code=303)
    async def reset_password(
        self,
        request: Request,
        user_id: FromPath[uuid.UUID],
        db_session: Session,
        runtime: Runtime_,
        viewer: Viewer,
    ) -> Response:
        body = await forms.read(request, runtime, PasswordReset)
        await accounts.reset_password(
            db_session, runtime, viewer.actor, user_id, body.password, utcnow()
        )
        return _account_page(request, user_id, "password")

    @get("/devices", name="console.devices")
    async def devices_page(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Template:
        number = page_number(request)
        listed = await accounts.devices(
            db_session, viewer.actor, None, PAGE + 1, (number - 1) * PAGE
        )
        return page(
            request,
            runtime,
            "admin_devices.html",
            viewer,
            devices=listed[:PAGE],
            when=_when(request, runtime),
            pager=pager(request, number, len(listed) > PAGE, {}),
        )

    @post("/devices/{device_id:uuid}/revoke", name="console.revoke_device", status_code=303)
    async def revoke_device(
        self,
        request: Request,
        device_id: FromPath[uuid.UUID],
        db_session: Session,
        runtime: Runtime_,
        viewer: Viewer,
    ) -> Response:
        form = await forms.read_form(request, runtime)
        device = await auth.revoke_device(db_session, viewer, device_id)
        if form.get("back") == "account":
            return _account_page(request, device.user_id)
        return redirect(request, "console.devices")

    @get("/org", name="console.org")
    async def org_page(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Template:
        if not viewer.actor.is_manager:
            raise Refusal("forbidden", "Managers only.", 403)
        units = await visible_units(db_session, viewer.actor)
        return page(request, runtime, "admin_org.html", viewer, units=units)

    @get("/catalogue", name="console.catalogue")
    async def catalogue_page(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Template:
        if not viewer.actor.is_manager:
            raise Refusal("forbidden", "Managers only.", 403)
        categories = await hotline.categories(db_session)
        order = {code: index for index, code in enumerate(PROGRAMMES)}
        categories = sorted(categories, key=lambda c: (order.get(c.programme, 99), c.code))
        return page(request, runtime, "admin_catalogue.html", viewer, categories=categories)

    @get("/holidays", name="console.holidays")
    async def holidays_page(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Template:
        """The holiday table (the State Council's notices entered here) and the years the
        calendar does not know yet."""
        if not viewer.actor.is_manager:
            raise Refusal("forbidden", "Managers only.", 403)
        years = sorted(holidays.package_calendar().years)
        return page(
            request,
            runtime,
            "admin_holidays.html",
            viewer,
            days=await holidays.days(db_session),
            package_years=f"{years[0]}–{years[-1]}" if years else "",
            unknown_years=await holidays.unknown_years(db_session, utcnow()),
            may_keep=may_keep_calendar(viewer.actor),
        )

    @post("/holidays", name="console.put_holiday", status_code=303)
    async def put_holiday(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Response:
        body = await forms.read(request, runtime, HolidayForm)
        await holidays.put_day(
            db_session, viewer.actor, body.day, body.workday, body.name, utcnow()
        )
        return redirect(request, "console.holidays")

    @post("/holidays/{day:date}/delete", name="console.drop_holiday", status_code=303)
    async def drop_holiday(
        self,
        request: Request,
        day: FromPath[date],
        db_session: Session,
        runtime: Runtime_,
        viewer: Viewer,
    ) -> Response:
        await forms.read_form(request, runtime)
        await holidays.drop_day(db_session, viewer.actor, day)
        return redirect(request, "console.holidays")
