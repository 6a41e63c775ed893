"""Time limits on the official calendar, extensions, and the families' difficulty type.

- `holiday_day`: the State Council's days an admin enters (holidays and 调休 working days);
- `request_extension`: requests for more time (延期申请) and their decisions;
- `hotline_request.warning_at`: 预警, 80 % of the limit gone (existing rows: 80 % of their span);
- `service_category.time_limit_days`: a limit in working days; the catalogue's categories get
  the eight key programmes as their top level and, where the seed says so, working days;
- `household.difficulty`: the household's difficulty type (特困, 低保, …).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 12:10:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import server.db.types

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# The catalogue as the seed had it and as it is now, frozen here (the seed may change later).
PROGRAMMES = {
    "elderly.care": ("household", "elderly"),
    "elderly.nanny": ("household", "elderly"),
    "elderly.checkin": ("household", "elderly"),
    "environment.sanitation": ("environment", "repairs"),
    "other.general": ("other", "information"),
}
WORKING_DAYS = {
    "household.cleaning": (72, 3),
    "jobs.training": (168, 5),
    "jobs.placement": (120, 5),
    "mentoring.visit": (168, 5),
    "mentoring.aid": (168, 5),
    "info.business": (72, 3),
    "other.general": (72, 3),
}

categories = sa.table(
    "service_category",
    sa.column("code", sa.String()),
    sa.column("programme", sa.String()),
    sa.column("time_limit_hours", sa.Integer()),
    sa.column("time_limit_days", sa.Integer()),
)
requests = sa.table(
    "hotline_request",
    sa.column("id", sa.Uuid()),
    sa.column("received_at", server.db.types.UTCDateTime(timezone=True)),
    sa.column("due_at", server.db.types.UTCDateTime(timezone=True)),
    sa.column("warning_at", server.db.types.UTCDateTime(timezone=True)),
)


def upgrade() -> None:
    op.create_table(
        "holiday_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("workday", sa.Boolean(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "request_extension",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("asked_by", sa.Uuid(), nullable=False),
        sa.Column("asked_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", server.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["hotline_request.id"]),
        sa.ForeignKeyConstraint(["asked_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_request_extension_request_id", "request_extension", ["request_id"])
    op.create_index("ix_request_extension_status", "request_extension", ["status"])
    with op.batch_alter_table("hotline_request") as batch:
        batch.add_column(
            sa.Column("warning_at", server.db.types.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("service_category") as batch:
        batch.add_column(sa.Column("time_limit_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("household") as batch:
        batch.add_column(
            sa.Column(
                "difficulty",
                sqlmodel.sql.sqltypes.AutoString(length=20),
                nullable=False,
                server_default="",
            )
        )
    for code, (old, new) in PROGRAMMES.items():
        op.execute(
            categories.update()
            .where(categories.c.code == code, categories.c.programme == old)
            .values(programme=new)
        )
    for code, (hours, days) in WORKING_DAYS.items():
        op.execute(
            categories.update()
            .where(categories.c.code == code, categories.c.time_limit_hours == hours)
            .values(time_limit_days=days, time_limit_hours=days * 24)
        )
    bind = op.get_bind()
    rows = bind.execute(sa.select(requests.c.id, requests.c.received_at, requests.c.due_at))
    for request_id, received, due in rows.all():
        bind.execute(
            requests.update()
            .where(requests.c.id == request_id)
            .values(warning_at=received + (due - received) * 0.8)
        )


def downgrade() -> None:
    for code, (hours, days) in WORKING_DAYS.items():
        op.execute(
            categories.update()
            .where(categories.c.code == code, categories.c.time_limit_days == days)
            .values(time_limit_hours=hours)
        )
    for code, (old, new) in PROGRAMMES.items():
        op.execute(
            categories.update()
            .where(categories.c.code == code, categories.c.programme == new)
            .values(programme=old)
        )
    with op.batch_alter_table("household") as batch:
        batch.drop_column("difficulty")
    with op.batch_alter_table("service_category") as batch:
        batch.drop_column("time_limit_days")
    with op.batch_alter_table("hotline_request") as batch:
        batch.drop_column("warning_at")
    op.drop_index("ix_request_extension_status", table_name="request_extension")
    op.drop_index("ix_request_extension_request_id", table_name="request_extension")
    op.drop_table("request_extension")
    op.drop_table("holiday_day")
