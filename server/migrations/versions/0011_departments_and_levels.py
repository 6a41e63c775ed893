"""Member departments, department staff, a request's holding office and department, and
supervision notes (督办).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 17:45:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import server.db.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "department",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("name_en", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_department_code", "department", ["code"], unique=True)
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("department_id", sa.Uuid(), nullable=True))
        batch.create_index("ix_app_user_department_id", ["department_id"])
        batch.create_foreign_key(
            "fk_app_user_department_id", "department", ["department_id"], ["id"]
        )
    with op.batch_alter_table("hotline_request") as batch:
        batch.add_column(sa.Column("department_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("unit_id", sa.Uuid(), nullable=True))
        batch.create_index("ix_hotline_request_department_id", ["department_id"])
        batch.create_index("ix_hotline_request_unit_id", ["unit_id"])
        batch.create_index("ix_hotline_request_due_at", ["due_at"])
        batch.create_foreign_key(
            "fk_hotline_request_department_id", "department", ["department_id"], ["id"]
        )
        batch.create_foreign_key("fk_hotline_request_unit_id", "org_unit", ["unit_id"], ["id"])
    # Requests already sent to a community are held by it (before, the community was all).
    op.execute(
        "UPDATE hotline_request SET unit_id = community_id "
        "WHERE status <> 'received' AND community_id IS NOT NULL"
    )
    op.create_table(
        "supervision_note",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("answered_by", sa.Uuid(), nullable=True),
        sa.Column("answered_at", server.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["hotline_request.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_supervision_note_request_id", "supervision_note", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_supervision_note_request_id", table_name="supervision_note")
    op.drop_table("supervision_note")
    with op.batch_alter_table("hotline_request") as batch:
        batch.drop_constraint("fk_hotline_request_unit_id", type_="foreignkey")
        batch.drop_constraint("fk_hotline_request_department_id", type_="foreignkey")
        batch.drop_index("ix_hotline_request_due_at")
        batch.drop_index("ix_hotline_request_unit_id")
        batch.drop_index("ix_hotline_request_department_id")
        batch.drop_column("unit_id")
        batch.drop_column("department_id")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_constraint("fk_app_user_department_id", type_="foreignkey")
        batch.drop_index("ix_app_user_department_id")
        batch.drop_column("department_id")
    op.drop_index("ix_department_code", table_name="department")
    op.drop_table("department")
