"""The free-text department leaves requests: each non-empty value becomes a note on the
request's timeline (action `noted`, params {"field": "department"}, at the request's receipt)
and the column is dropped. The address library (标准地址库, `street_address`): each
community's streets and building-number ranges, by which intake places a street address.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 16:00:00
"""

import uuid

import sqlalchemy as sa
import sqlmodel
from alembic import op

import server.db.types

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

REQUESTS = sa.table(
    "hotline_request",
    sa.column("id", sa.Uuid()),
    sa.column("department", sa.String()),
    sa.column("received_at", server.db.types.UTCDateTime()),
)
EVENTS = sa.table(
    "request_event",
    sa.column("id", sa.Uuid()),
    sa.column("request_id", sa.Uuid()),
    sa.column("ordinal", sa.Integer()),
    sa.column("at", server.db.types.UTCDateTime()),
    sa.column("actor_id", sa.Uuid()),
    sa.column("actor_code", sa.String()),
    sa.column("action", sa.String()),
    sa.column("note", sa.String()),
    sa.column("params", sa.JSON()),
)
FIELD = {"field": "department"}


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(REQUESTS.c.id, REQUESTS.c.department, REQUESTS.c.received_at).where(
            sa.func.length(sa.func.trim(REQUESTS.c.department)) > 0
        )
    ).all()
    notes = [
        {
            "id": uuid.uuid4(),
            "request_id": request_id,
            "ordinal": 0,  # first on the timeline: the text was set when the call came in
            "at": received_at,
            "actor_id": None,
            "actor_code": "system",
            "action": "noted",
            "note": text.strip(),
            "params": FIELD,
        }
        for request_id, text, received_at in rows
    ]
    if notes:
        op.bulk_insert(EVENTS, notes)
    with op.batch_alter_table("hotline_request") as batch:
        batch.drop_column("department")
    op.create_table(
        "street_address",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("street", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("first", sa.Integer(), nullable=True),
        sa.Column("last", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["community_id"], ["org_unit.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_street_address_community_id", "street_address", ["community_id"])
    op.create_index("ix_street_address_street", "street_address", ["street"])


def downgrade() -> None:
    op.drop_index("ix_street_address_street", table_name="street_address")
    op.drop_index("ix_street_address_community_id", table_name="street_address")
    op.drop_table("street_address")
    with op.batch_alter_table("hotline_request") as batch:
        batch.add_column(
            sa.Column(
                "department",
                sqlmodel.sql.sqltypes.AutoString(length=120),
                nullable=False,
                server_default="",
            )
        )
    bind = op.get_bind()
    noted = bind.execute(
        sa.select(EVENTS.c.id, EVENTS.c.request_id, EVENTS.c.note, EVENTS.c.params).where(
            EVENTS.c.action == "noted"
        )
    ).all()
    for event_id, request_id, note, params in noted:
        if (params or {}).get("field") != "department":
            continue
        bind.execute(
            REQUESTS.update().where(REQUESTS.c.id == request_id).values(department=note[:120])
        )
        bind.execute(EVENTS.delete().where(EVENTS.c.id == event_id))
