"""Visit titles and cancel reasons the server wrote itself become codes (`title_code`,
`cancel_code`), worded where they are read (`visit.title_<code>`, `visit.cancel_<code>`).

Existing rows whose title or cancel reason is exactly one of those fixed phrases get its code
and an empty text; a person's own words stay as they are. The downgrade writes the phrases back.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 09:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# The phrases as the plans, the mentoring service and the demo wrote them, frozen here: the
# catalogue's words may change later, what old rows say does not.
TITLES = {
    "elder_visit": "独居老人探访",
    "elder_visit_regular": "独居老人定期探访",
    "home_service": "上门服务",
    "mentoring_visit": "一帮一走访",
    "mentoring_visit_regular": "一帮一定期走访",
}
CANCEL_REASONS = {"mentoring_ended": "一帮一结对已解除"}

visits = sa.table(
    "visit",
    sa.column("title", sa.String()),
    sa.column("title_code", sa.String()),
    sa.column("cancel_reason", sa.String()),
    sa.column("cancel_code", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("visit") as batch:
        batch.add_column(
            sa.Column("title_code", sa.String(length=40), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("cancel_code", sa.String(length=40), nullable=False, server_default="")
        )
    for code, phrase in TITLES.items():
        op.execute(
            visits.update().where(visits.c.title == phrase).values(title_code=code, title="")
        )
    for code, phrase in CANCEL_REASONS.items():
        op.execute(
            visits.update()
            .where(visits.c.cancel_reason == phrase)
            .values(cancel_code=code, cancel_reason="")
        )


def downgrade() -> None:
    for code, phrase in TITLES.items():
        op.execute(visits.update().where(visits.c.title_code == code).values(title=phrase))
    for code, phrase in CANCEL_REASONS.items():
        op.execute(visits.update().where(visits.c.cancel_code == code).values(cancel_reason=phrase))
    with op.batch_alter_table("visit") as batch:
        batch.drop_column("cancel_code")
        batch.drop_column("title_code")
