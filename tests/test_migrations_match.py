"""The migrations make exactly the schema the tables declare: a table, column or index added to
the code without its migration (or the other way round) is named here, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from server.migrations.tables import import_all


def _differences(connection) -> list:
    dialect = connection.dialect.name

    def made_here(thing, name, kind, reflected, compare_to) -> bool:
        # An index declared for one database only (`Index.ddl_if(dialect=…)`, e.g. the
        # request search's trigram indexes on PostgreSQL) is not looked for on another.
        # SQLite's search index is an FTS5 table and its shadow tables, made by migration 0021
        # and declared nowhere (SQLAlchemy has no word for a virtual table).
        if kind == "table" and reflected and name.startswith("hotline_request_search"):
            return False
        only = getattr(thing, "_ddl_if", None)
        return reflected or kind != "index" or only is None or only.dialect in (None, dialect)

    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": made_here}
    )
    return compare_metadata(context, SQLModel.metadata)


async def test_the_migrations_make_what_the_tables_declare(database_url):
    import_all()
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(_differences)
    finally:
        await engine.dispose()
    assert differences == [], "\n".join(str(d) for d in differences)
