"""HTTP: the scope preview, what an account's phone would hold (see docs/admin.md).

Who may ask about whom is the accounts' rule (`server.accounts.service.proposed_actor`); what
the phone would hold is the pull's, counted (`server.sync.preview`).
"""

from typing import Annotated
from uuid import UUID

from litestar import get
from litestar.params import FromPath, QueryParameter

from server.accounts import service as accounts
from server.deps import Caller, Session
from server.sync import preview
from server.sync.schemas import ScopeChange, ScopeCounts
from shared.enums import Role

ProposedRole = Annotated[Role | None, QueryParameter(description="the role to preview instead")]
ProposedUnit = Annotated[
    str | None, QueryParameter(max_length=40, description="the org unit code to preview instead")
]


@get(
    "/api/v1/users/{user_id:uuid}/scope-preview",
    tags=["accounts"],
    summary="How many records of each entity the account's phone would hold now",
)
async def scope_preview(
    user_id: FromPath[UUID],
    db_session: Session,
    principal: Caller,
    role: ProposedRole = None,
    org_unit_code: ProposedUnit = None,
) -> ScopeCounts:
    _, proposed = await accounts.proposed_actor(
        db_session, principal.actor, user_id, role, org_unit_code
    )
    return ScopeCounts(**preview.counts(await preview.holdings_of(db_session, proposed)))


@get(
    "/api/v1/users/{user_id:uuid}/scope-change",
    tags=["accounts"],
    summary="What a proposed role or unit would send to the account's phone, and take off it",
)
async def scope_change(
    user_id: FromPath[UUID],
    db_session: Session,
    principal: Caller,
    role: ProposedRole = None,
    org_unit_code: ProposedUnit = None,
) -> ScopeChange:
    change = await preview.scope_change(db_session, principal.actor, user_id, role, org_unit_code)
    return ScopeChange(**{part: ScopeCounts(**counts) for part, counts in change.items()})


ROUTES = [scope_preview, scope_change]
