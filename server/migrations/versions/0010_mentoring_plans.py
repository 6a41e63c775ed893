"""Visit plans of a kind: a resident may have a check-in plan and a mentoring plan (一帮一).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("visit_plan") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="checkin")
        )
        batch.drop_index("ix_visit_plan_resident_id")
        batch.create_index("ix_visit_plan_resident_id", ["resident_id"], unique=False)
        batch.create_index("ux_visit_plan_resident_kind", ["resident_id", "kind"], unique=True)


def downgrade() -> None:
    # Before 0008 a resident had one plan, a check-in plan: mentoring plans go.
    op.execute(sa.text("DELETE FROM visit_plan WHERE kind <> 'checkin'"))
    with op.batch_alter_table("visit_plan") as batch:
        batch.drop_index("ux_visit_plan_resident_kind")
        batch.drop_index("ix_visit_plan_resident_id")
        batch.create_index("ix_visit_plan_resident_id", ["resident_id"], unique=True)
        batch.drop_column("kind")
