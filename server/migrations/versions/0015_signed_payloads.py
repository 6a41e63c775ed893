"""A signed record keeps the exact text its device signed and the key that verified it, so the
signature can be checked again after the device's key has changed.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TABLES = ("checkin", "service_record", "visit")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("signed_payload", sa.Text(), nullable=True))
            batch.add_column(sa.Column("signing_key", sa.String(length=60), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("signing_key")
            batch.drop_column("signed_payload")
