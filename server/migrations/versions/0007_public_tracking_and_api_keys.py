"""Residents' self-service and Open311: the private tracking token of a request (kept only as a
hash) and the API keys of Open311 clients (kept only as hashes).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 17:40:00
"""

import sqlalchemy as sa
from alembic import op

import server.db.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_tracking",
        sa.Column("request_id", sa.Uuid(), sa.ForeignKey("hotline_request.id"), primary_key=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("created_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_request_tracking_token_hash", "request_tracking", ["token_hash"], unique=True
    )
    op.create_table(
        "open311_api_key",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", server.db.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_open311_api_key_key_hash", "open311_api_key", ["key_hash"], unique=True)
    op.create_index("ix_open311_api_key_name", "open311_api_key", ["name"], unique=True)


def downgrade() -> None:
    op.drop_table("open311_api_key")
    op.drop_table("request_tracking")
