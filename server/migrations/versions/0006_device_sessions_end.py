"""A device's sessions can be ended without revoking the device (sign-out, refresh reuse).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 15:30:00
"""

import sqlalchemy as sa
from alembic import op

import server.db.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("device") as batch:
        batch.add_column(
            sa.Column(
                "sessions_ended_at", server.db.types.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("device") as batch:
        batch.drop_column("sessions_ended_at")
