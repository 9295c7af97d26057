"""The migrations build exactly the tables ``schema.py`` describes."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.store import Store
from bot.store.schema import metadata


async def test_no_difference_between_migrations_and_schema(store: Store) -> None:
    def diff(sync_conn):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
        return compare_metadata(context, metadata)

    async with store.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []
