"""Hotline requests: the request, its timeline, and the daily counter behind its number.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 01:27:23.626578
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import server.db.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_counter",
        sa.Column("day", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "hotline_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("caller_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("caller_phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("resident_id", sa.Uuid(), nullable=True),
        sa.Column("category_code", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("community_id", sa.Uuid(), nullable=True),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("received_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("stage_started_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("stage_due_at", server.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("assignee_id", sa.Uuid(), nullable=True),
        sa.Column("visit_id", sa.Uuid(), nullable=True),
        sa.Column("resolved_at", server.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verified_at", server.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("feedback", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_comment", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("closed_at", server.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("rev", sa.Integer(), nullable=False),
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
    with op.batch_alter_table("hotline_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hotline_request_assignee_id"), ["assignee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hotline_request_category_code"), ["category_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hotline_request_community_id"), ["community_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_hotline_request_number"), ["number"], unique=True)
        batch_op.create_index(
            batch_op.f("ix_hotline_request_resident_id"), ["resident_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hotline_request_stage_due_at"), ["stage_due_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_hotline_request_status"), ["status"], unique=False)

    op.create_table(
        "request_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["hotline_request.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("request_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_event_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("request_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_event_request_id"))

    op.drop_table("request_event")
    with op.batch_alter_table("hotline_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hotline_request_status"))
        batch_op.drop_index(batch_op.f("ix_hotline_request_stage_due_at"))
        batch_op.drop_index(batch_op.f("ix_hotline_request_resident_id"))
        batch_op.drop_index(batch_op.f("ix_hotline_request_number"))
        batch_op.drop_index(batch_op.f("ix_hotline_request_community_id"))
        batch_op.drop_index(batch_op.f("ix_hotline_request_category_code"))
        batch_op.drop_index(batch_op.f("ix_hotline_request_assignee_id"))

    op.drop_table("hotline_request")
    op.drop_table("request_counter")
