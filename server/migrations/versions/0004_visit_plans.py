"""Visit plans for residents living alone, and alerts for missed visits.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 01:57:47.344826
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import server.db.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("visit_id", sa.Uuid(), nullable=True),
        sa.Column("resident_id", sa.Uuid(), nullable=True),
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("raised_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", server.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["org_unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("visit_id"),
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_community_id"), ["community_id"], unique=False)

    op.create_table(
        "visit_plan",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("resident_id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("assignee_id", sa.Uuid(), nullable=False),
        sa.Column("interval_days", sa.Integer(), nullable=False),
        sa.Column("next_due_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", server.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["org_unit.id"],
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["resident.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("visit_plan", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visit_plan_assignee_id"), ["assignee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_visit_plan_community_id"), ["community_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_visit_plan_next_due_at"), ["next_due_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_visit_plan_resident_id"), ["resident_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("visit_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_plan_resident_id"))
        batch_op.drop_index(batch_op.f("ix_visit_plan_next_due_at"))
        batch_op.drop_index(batch_op.f("ix_visit_plan_community_id"))
        batch_op.drop_index(batch_op.f("ix_visit_plan_assignee_id"))

    op.drop_table("visit_plan")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_community_id"))

    op.drop_table("alert")
