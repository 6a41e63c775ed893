"""Lengths from the tables: every text a body or a mutation writes into a bounded column is
bounded by that column in its own schema (so the API says so in its words, on both databases),
and under all of them the session refuses any text longer than its column before the database
sees it (PostgreSQL would answer a longer one with an error, SQLite would keep it)."""

import uuid
from typing import get_type_hints

import msgspec
import pytest
from sqlalchemy import inspect

from server.accounts.schemas import UserCreate, UserUpdate
from server.auth.tables import User
from server.db.sessions import TooLong, text_length
from server.funds.schemas import SpendingCreate
from server.funds.tables import FundEntry
from server.hotline.schemas import DispatchBody, RequestCreate
from server.hotline.tables import HotlineRequest
from server.organisations.schemas import ActivityCreate, OrganisationCreate
from server.organisations.tables import Organisation, OrganisationActivity
from server.public.schemas import PublicRequestCreate
from server.residents.routes import ResidentCreate
from server.residents.tables import Resident
from server.visits.routes import VisitCreate
from server.visits.tables import Assistance, Checkin, ServiceRecord, Visit
from shared import mutations

# Which table each body writes into (its fields of the same name are columns of it).
BODIES = [
    (UserCreate, User),
    (UserUpdate, User),
    (ResidentCreate, Resident),
    (VisitCreate, Visit),
    (RequestCreate, HotlineRequest),
    (PublicRequestCreate, HotlineRequest),
    (DispatchBody, HotlineRequest),
    (OrganisationCreate, Organisation),
    (ActivityCreate, OrganisationActivity),
    (SpendingCreate, FundEntry),
]
RECORDS = {
    "checkin": Checkin,
    "service_record": ServiceRecord,
    "assistance": Assistance,
    "request": HotlineRequest,
    "resident": Resident,
}


def _max_length(annotation) -> int | None:
    """The tightest max_length among the msgspec.Meta of a field's type (None: unbounded)."""
    found = []

    def walk(node) -> None:
        for meta in getattr(node, "__metadata__", ()):
            if isinstance(meta, msgspec.Meta) and meta.max_length is not None:
                found.append(meta.max_length)
        for arg in getattr(node, "__args__", ()):
            walk(arg)
        origin = getattr(node, "__origin__", None)
        if origin is not None and origin is not node:
            walk(origin)

    walk(annotation)
    return min(found) if found else None


def _bounded_columns(table) -> dict[str, int]:
    return {
        column.name: length
        for column in inspect(table).columns
        if (length := text_length(column.type))
    }


def _too_long(schema, table) -> list[str]:
    columns = _bounded_columns(table)
    hints = get_type_hints(schema, include_extras=True)
    wrong = []
    for name in schema.__struct_fields__:
        if name in columns and "str" in repr(hints[name]):
            bound = _max_length(hints[name])
            if bound is None or bound > columns[name]:
                wrong.append(
                    f"{schema.__name__}.{name}: {bound} > {table.__tablename__} {columns[name]}"
                )
    return wrong


def test_every_body_is_bounded_by_its_columns():
    wrong = [problem for schema, table in BODIES for problem in _too_long(schema, table)]
    assert not wrong, wrong


def test_every_mutation_is_bounded_by_its_records_columns():
    wrong = []
    for spec in mutations.REGISTRY.values():
        table = RECORDS.get(spec.record or "")
        if table is not None:
            wrong += _too_long(spec.args, table)
    assert not wrong, wrong


def test_the_check_finds_an_unbounded_field():
    class Loose(msgspec.Struct):
        username: str

    assert _too_long(Loose, User) == ["Loose.username: None > app_user 60"]


async def test_the_session_refuses_a_text_longer_than_its_column(api):
    async with api.runtime.sessions() as session:
        session.add(
            Resident(
                id=uuid.uuid4(),
                name="名" * 500,
                address="",
                phone="",
                community_id=uuid.uuid4(),
            )
        )
        with pytest.raises(TooLong) as refused:
            await session.flush()
        assert refused.value.status == 400 and "name" in refused.value.detail
        await session.rollback()
