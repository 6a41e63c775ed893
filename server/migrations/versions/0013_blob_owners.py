"""Which accounts sent a blob's bytes: a proof may name only blobs its sender's account holds
(or that a record it can read names). Every blob stored so far belongs to its uploader.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 08:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blob_owner",
        sa.Column("sha256", sa.String(length=64), primary_key=True),
        sa.Column("user_id", sa.Uuid(), primary_key=True),
    )
    op.execute("INSERT INTO blob_owner (sha256, user_id) SELECT sha256, user_id FROM blob")


def downgrade() -> None:
    op.drop_table("blob_owner")
