"""Registering a call in the console without guessing: the resident is picked from a search
over every resident the person sees, or "new resident" is chosen on purpose; a caller whose
name or phone matches a known resident is asked about instead of becoming a second record;
an address that matches no community is asked about instead of going anywhere silently."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import Refusal
from server.hotline import service as hotline
from server.residents import service as residents
from shared.catalogue import PROGRAMMES
from shared.permissions import Actor

NEW = "new"  # the resident picker's explicit choice: a caller not known yet
MATCHES = 8  # how many look-alike residents a question lists


async def find(session: AsyncSession, actor: Actor, text: str, limit: int = 30) -> list:
    """Residents the actor sees whose name, phone or address contains `text`."""
    text = text.strip()
    if not text:
        return []
    return await residents.search(session, actor, text[:80], None, limit, 0)


async def questions(session: AsyncSession, actor: Actor, form: dict[str, str]) -> dict[str, Any]:
    """What must be asked before registering this form (empty: nothing, register it)."""
    codes = {c.code for c in await hotline.categories(session)}
    if form.get("category_code", "").strip() not in codes:
        # Refused as the service refuses it, before anything is asked.
        raise Refusal("unknown_category", "No such service category.", 400)
    asked: dict[str, Any] = {}
    picked = form.get("resident_id", "").strip()
    if not picked:
        seen: dict = {}
        for field in ("caller_phone", "caller_name"):
            value = form.get(field, "").strip()
            if len(value) >= 2:
                for r in await find(session, actor, value, MATCHES):
                    if (field == "caller_phone" and r.phone == value) or (
                        field == "caller_name" and r.name == value
                    ):
                        seen.setdefault(r.id, r)
        if seen:
            asked["look_alikes"] = list(seen.values())[:MATCHES]
    if picked in ("", NEW) and not form.get("confirm_unplaced"):
        placed, may_be = await hotline.place_address(session, form.get("address", ""))
        if placed is None:
            asked["unplaced"] = True
            # Several communities share the street and number: name them, choose at dispatch.
            asked["may_be"] = [u.name for u in may_be]
    return asked


def by_programme(categories: list) -> list[tuple[str, list]]:
    """The active categories under the eight key programmes, in the district's order (the
    intake picker's <optgroup>s); a programme with none is left out."""
    groups: dict[str, list] = {p: [] for p in PROGRAMMES}
    for c in sorted(categories, key=lambda c: c.code):
        if c.active:
            groups.setdefault(c.programme, []).append(c)
    return [(p, listed) for p, listed in groups.items() if listed]


def as_body(form: dict[str, str]) -> dict[str, str]:
    """The form as the API's intake body: "new resident" names no resident."""
    fields = dict(form)
    if fields.get("resident_id", "").strip() == NEW:
        fields["resident_id"] = ""
    fields.pop("confirm_unplaced", None)
    return fields
