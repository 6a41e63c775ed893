"""回访 as a record (`request_callback`: method, reached, resolved, satisfied, note, who, when),
and repeats and merges on requests (`repeat_of`, `merged_into`, the 催办 count `urges`).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 12:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import server.db.types

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hotline_request") as batch:
        batch.add_column(sa.Column("repeat_of", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("merged_into", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("urges", sa.Integer(), nullable=False, server_default="0"))
        batch.create_index("ix_hotline_request_repeat_of", ["repeat_of"])
        batch.create_index("ix_hotline_request_merged_into", ["merged_into"])
        batch.create_foreign_key(
            "fk_hotline_request_repeat_of", "hotline_request", ["repeat_of"], ["id"]
        )
        batch.create_foreign_key(
            "fk_hotline_request_merged_into", "hotline_request", ["merged_into"], ["id"]
        )
    op.create_table(
        "request_callback",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.Uuid(), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("reached", sa.Boolean(), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=True),
        sa.Column("satisfied", sa.Boolean(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["hotline_request.id"]),
        sa.ForeignKeyConstraint(["by_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_request_callback_request_id", "request_callback", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_request_callback_request_id", table_name="request_callback")
    op.drop_table("request_callback")
    with op.batch_alter_table("hotline_request") as batch:
        batch.drop_constraint("fk_hotline_request_merged_into", type_="foreignkey")
        batch.drop_constraint("fk_hotline_request_repeat_of", type_="foreignkey")
        batch.drop_index("ix_hotline_request_merged_into")
        batch.drop_index("ix_hotline_request_repeat_of")
        batch.drop_column("urges")
        batch.drop_column("merged_into")
        batch.drop_column("repeat_of")
