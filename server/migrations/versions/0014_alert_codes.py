"""Alerts as codes: an alert's sentence (`message`, written in Chinese) becomes `params`, the
facts it is worded from at the edge (`alert.<kind>` in the catalogue of words).

Existing rows keep what they said: the resident's name and the due date are read back from the
old sentence ("{name}的探访已超过截止时间（{due}）仍未完成"), or, for a sentence of another
shape, from the alert's resident and visit.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 08:30:00
"""

import re

import sqlalchemy as sa
from alembic import op

import server.db.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

OLD_SENTENCE = re.compile(
    r"^(?P<name>.*)的探访已超过截止时间（(?P<due>\d{4}-\d{2}-\d{2})）仍未完成$"
)
alerts = sa.table(
    "alert",
    sa.column("id", sa.Uuid()),
    sa.column("kind", sa.String()),
    sa.column("resident_id", sa.Uuid()),
    sa.column("visit_id", sa.Uuid()),
    sa.column("message", sa.String()),
    sa.column("params", sa.JSON()),
)
residents = sa.table("resident", sa.column("id", sa.Uuid()), sa.column("name", sa.String()))
visits = sa.table(
    "visit", sa.column("id", sa.Uuid()), sa.column("due_at", server.db.types.UTCDateTime())
)


def upgrade() -> None:
    with op.batch_alter_table("alert") as batch:
        batch.add_column(sa.Column("params", sa.JSON(), nullable=False, server_default="{}"))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(alerts.c.id, alerts.c.message, residents.c.name, visits.c.due_at).select_from(
            alerts.outerjoin(residents, residents.c.id == alerts.c.resident_id).outerjoin(
                visits, visits.c.id == alerts.c.visit_id
            )
        )
    ).all()
    for alert_id, message, name, due_at in rows:
        said = OLD_SENTENCE.match(message or "")
        if said:
            params = {"name": said["name"], "due": said["due"]}
        else:
            params = {"name": name or "", "due": f"{due_at:%Y-%m-%d}" if due_at else ""}
        bind.execute(alerts.update().where(alerts.c.id == alert_id).values(params=params))
    with op.batch_alter_table("alert") as batch:
        batch.drop_column("message")


def downgrade() -> None:
    with op.batch_alter_table("alert") as batch:
        batch.add_column(sa.Column("message", sa.String(), nullable=False, server_default=""))
    bind = op.get_bind()
    for alert_id, params in bind.execute(sa.select(alerts.c.id, alerts.c.params)).all():
        params = params or {}
        message = f"{params.get('name', '')}的探访已超过截止时间（{params.get('due', '')}）仍未完成"
        bind.execute(alerts.update().where(alerts.c.id == alert_id).values(message=message))
    with op.batch_alter_table("alert") as batch:
        batch.drop_column("params")
