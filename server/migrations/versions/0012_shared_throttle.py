"""The public doors' throttle shared by every server process (PostgreSQL): one row an attempt,
kept for its window.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 08:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "throttle_hit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("client", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
    )
    op.create_index("ix_throttle_hit_client_kind_at", "throttle_hit", ["client", "kind", "at"])


def downgrade() -> None:
    op.drop_table("throttle_hit")
