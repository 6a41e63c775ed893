"""The mutation log: one row per (device, seq), with its outcome and credited clock stamp.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 00:06:15.311047
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import server.db.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mutation_log",
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("stamp", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("error_code", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("error_message", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("at", server.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("device_id", "seq"),
    )


def downgrade() -> None:
    op.drop_table("mutation_log")
