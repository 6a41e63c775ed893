"""A year of requests searched and listed fast: an index on `received_at, id` (the lists'
newest-first order), and an index for the console's search over number, caller phone, name, address
and text:

- PostgreSQL: a trigram index (pg_trgm, GIN) on each of those columns, when the extension can
  be made (else the search scans, and the migration says so);
- SQLite: `hotline_request_search`, an FTS5 table with the trigram tokenizer (one row a
  request: its id and the five columns' text), kept by triggers on `hotline_request`; a search
  of three or more characters is a look-up there (`server/console/listing.py`). It is not a
  declared table: tests/test_migrations_match.py knows it by name.

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-03 16:00:00
"""

import logging

from alembic import op

revision = "0021"
down_revision = "0020"
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


BODY = " || ' ' || ".join(f"{{row}}.{name}" for name in SEARCHED)
FTS = [
    "CREATE VIRTUAL TABLE hotline_request_search USING fts5("
    "request_id UNINDEXED, body, tokenize = 'trigram')",
    f"INSERT INTO hotline_request_search (request_id, body) "
    f"SELECT id, {BODY.format(row='hotline_request')} FROM hotline_request",
    "CREATE TRIGGER hotline_request_search_insert AFTER INSERT ON hotline_request BEGIN "
    f"INSERT INTO hotline_request_search (request_id, body) "
    f"VALUES (new.id, {BODY.format(row='new')}); END",
    f"CREATE TRIGGER hotline_request_search_update AFTER UPDATE OF {', '.join(SEARCHED)} "
    "ON hotline_request BEGIN "
    f"UPDATE hotline_request_search SET body = {BODY.format(row='new')} "
    "WHERE request_id = old.id; END",
    "CREATE TRIGGER hotline_request_search_delete AFTER DELETE ON hotline_request BEGIN "
    "DELETE FROM hotline_request_search WHERE request_id = old.id; END",
]


def upgrade() -> None:
    op.create_index("ix_hotline_request_received_at", "hotline_request", ["received_at", "id"])
    if op.get_bind().dialect.name == "sqlite":
        for statement in FTS:
            op.execute(statement)
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
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS hotline_request_search_{name}")
        op.execute("DROP TABLE IF EXISTS hotline_request_search")
    if op.get_bind().dialect.name == "postgresql":
        for name in SEARCHED:
            op.drop_index(f"ix_hotline_request_{name}_trgm", "hotline_request", if_exists=True)
    op.drop_index("ix_hotline_request_received_at", "hotline_request")
