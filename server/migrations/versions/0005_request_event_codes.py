"""Request timelines as codes: `actor` (a display name, or "系统") becomes `actor_code`
(user | system | caller), and the sentences the server wrote into `note` become `params`.

Existing rows are converted: the channel before "渠道: 描述", the community and department of a
dispatch, the assignee (by display name, when only one person has it), the score of a rating,
the level of an escalation. `note` keeps only what a person wrote.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 15:40:00
"""

import re
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CHANNELS = {"phone", "web", "walk_in", "app"}
LEVEL_WORDS = {"街道": "subdistrict", "区": "district"}
events = sa.table(
    "request_event",
    sa.column("id", sa.Uuid()),
    sa.column("actor_id", sa.Uuid()),
    sa.column("actor_code", sa.String()),
    sa.column("action", sa.String()),
    sa.column("note", sa.String()),
    sa.column("params", sa.JSON()),
)


def upgrade() -> None:
    with op.batch_alter_table("request_event") as batch:
        batch.alter_column(
            "actor",
            new_column_name="actor_code",
            existing_type=sa.String(length=120),
            existing_nullable=False,
        )
        batch.add_column(sa.Column("params", sa.JSON(), nullable=False, server_default="{}"))
    bind = op.get_bind()
    units = dict(bind.execute(sa.text("SELECT name, code FROM org_unit")).all())
    people: dict[str, list[str]] = {}
    for user_id, name in bind.execute(sa.text("SELECT id, display_name FROM app_user")).all():
        # SQLite hands back the 32 hex digits it stores; the API writes ids with dashes.
        people.setdefault(name, []).append(str(uuid.UUID(str(user_id))))
    rows = bind.execute(
        sa.select(events.c.id, events.c.actor_id, events.c.action, events.c.note)
    ).all()
    for event_id, actor_id, action, note in rows:
        code, note, params = _convert(actor_id, action, note or "", units, people)
        bind.execute(
            events.update()
            .where(events.c.id == event_id)
            .values(actor_code=code, note=note, params=params)
        )


def _convert(actor_id, action: str, note: str, units: dict, people: dict):
    """One old row's (actor_code, note, params)."""
    if actor_id is not None:
        code = "user"
    elif action in ("rated", "closed", "reopened"):
        code = "caller"  # only the resident rates without an account
    else:
        code = "system"
    params: dict = {}
    if action == "received":
        channel, sep, text = note.partition(": ")
        if sep and channel in CHANNELS:
            params, note = {"channel": channel}, text
    elif action == "dispatched":
        names = [name for name in units if name and note.startswith(name)]
        if names:
            name = max(names, key=len)
            params = {"community": units[name], "department": note[len(name) :].strip()}
            note = ""
    elif action == "assigned":
        ids = people.get(note, [])
        if len(ids) == 1:
            params, note = {"assignee_id": ids[0]}, ""
    elif action == "rated":
        found = re.match(r"^([1-5])/5\s?(.*)$", note, re.S)
        if found:
            params, note = {"score": int(found[1])}, found[2]
    elif action == "reopened":
        params, note = {"reason": "poor_rating"}, ""
    elif action == "escalated":
        raised = re.match(r"^超时，升级至(街道|区)$", note)
        if raised:
            params, note = {"level": LEVEL_WORDS[raised[1]], "raised": True}, ""
        elif note == "超时，区级督办":
            params, note = {"level": "district", "raised": False}, ""
    return code, note, params


def downgrade() -> None:
    # The codes go back as they were read before; the facts in `params` are not written back
    # into sentences.
    bind = op.get_bind()
    bind.execute(events.update().where(events.c.actor_code != "user").values(actor_code="系统"))
    bind.execute(
        sa.text(
            "UPDATE request_event SET actor_code = COALESCE((SELECT display_name FROM app_user"
            " WHERE app_user.id = request_event.actor_id), '') WHERE actor_id IS NOT NULL"
        )
    )
    with op.batch_alter_table("request_event") as batch:
        batch.drop_column("params")
        batch.alter_column(
            "actor_code",
            new_column_name="actor",
            existing_type=sa.String(length=120),
            existing_nullable=False,
        )
