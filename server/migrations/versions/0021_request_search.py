"""A year of requests searched and listed fast: an index on `received_at` (the lists' newest-
first order), and on PostgreSQL a trigram index (pg_trgm, GIN) on each column the console's
search looks into (number, caller phone, name, address, text), when the extension can be made.

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-03 16:00:00
"""

import logging

from alembic import op

revision = "0021"
down_revision = "0019"
branch_labels = None
depends_on = None

SEARCHED = ("number", "caller_phone", "caller_name", "address", "description")
log = logging.getLogger("alembic.runtime.migration")


def _trigrams_available() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    found = bind.exec_driver_sql(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"
    ).scalar()
    if not found:
        log.warning("pg_trgm is not available: the request search scans (no trigram index)")
        return False
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    return True


def upgrade() -> None:
    op.create_index("ix_hotline_request_received_at", "hotline_request", ["received_at"])
    if _trigrams_available():
        for name in SEARCHED:
            op.create_index(
                f"ix_hotline_request_{name}_trgm",
                "hotline_request",
                [name],
                postgresql_using="gin",
                postgresql_ops={name: "gin_trgm_ops"},
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in SEARCHED:
            op.drop_index(f"ix_hotline_request_{name}_trgm", "hotline_request", if_exists=True)
    op.drop_index("ix_hotline_request_received_at", "hotline_request")
