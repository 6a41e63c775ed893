"""The dashboard's block of partner organisations and special funds (`_partners_block.html`),
kept apart from the hotline's figures."""

from server.funds import service as funds
from server.organisations import service as register
from shared.administration import sees_funds


async def dashboard_block(session, actor, runtime) -> dict:
    """The dashboard's block of partners and funds (`_partners_block.html`)."""
    year = funds.current_year(session)
    shows_funds = sees_funds(actor, actor.unit_path)
    return {
        "partners": await register.figures(session, actor, runtime.settings.timezone),
        "funds_total": await funds.overview(session, actor, year) if shows_funds else None,
        "funds_year": year,
    }
