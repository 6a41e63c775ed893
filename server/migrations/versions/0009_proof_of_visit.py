"""Proof of visit: blobs and the records naming them, proof and `signed` on check-ins,
services and visits, devices' public keys, residents' home location.

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-28 17:45:00
"""

import sqlalchemy as sa
from alembic import op

import server.db.types

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None

_PROOF_TABLES = ("checkin", "service_record", "visit")


def upgrade() -> None:
    op.create_table(
        "blob",
        sa.Column("sha256", sa.String(length=64), primary_key=True),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_blob_device_id", "blob", ["device_id"])
    op.create_index("ix_blob_user_id", "blob", ["user_id"])
    op.create_index("ix_blob_created_at", "blob", ["created_at"])
    op.create_table(
        "blob_ref",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=30), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", server.db.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_blob_ref_sha256", "blob_ref", ["sha256"])
    op.create_index("ix_blob_ref_record_id", "blob_ref", ["record_id"])
    for table in _PROOF_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("proof", sa.JSON(), nullable=True))
            batch.add_column(
                sa.Column("signed", sa.Boolean(), nullable=False, server_default=sa.false())
            )
    with op.batch_alter_table("device") as batch:
        batch.add_column(sa.Column("public_key", sa.String(length=64), nullable=True))
    with op.batch_alter_table("resident") as batch:
        batch.add_column(sa.Column("lat", sa.Float(), nullable=True))
        batch.add_column(sa.Column("lon", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("resident") as batch:
        batch.drop_column("lon")
        batch.drop_column("lat")
    with op.batch_alter_table("device") as batch:
        batch.drop_column("public_key")
    for table in _PROOF_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("signed")
            batch.drop_column("proof")
    op.drop_table("blob_ref")
    op.drop_table("blob")
