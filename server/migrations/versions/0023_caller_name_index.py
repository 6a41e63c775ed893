"""A search of one or two characters (a surname, or a two-character name such as 李娜) finds
callers by the start of their name, read off an index on `caller_name` on SQLite (PostgreSQL's
trigram index of migration 0021 answers the anchored `ILIKE` it asks there): no trigram index
(FTS5's, or pg_trgm's) can find fewer than three characters inside a text, and a scan of a
year's requests took 0.7–1.7 s (server/console/listing.py, docs/benchmarks.md).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 19:40:00
"""

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index("ix_hotline_request_caller_name", "hotline_request", ["caller_name"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_hotline_request_caller_name", table_name="hotline_request")
