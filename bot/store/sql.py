"""Statements that differ between SQLite and PostgreSQL, behind one spelling."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def _insert(conn: AsyncConnection, table: Table) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


async def insert_ignore(
    conn: AsyncConnection, table: Table, values: Mapping[str, Any], keys: Iterable[str]
) -> Any | None:
    """Insert a row unless one with the same ``keys`` exists; the new primary key or None."""
    stmt = _insert(conn, table).values(**values).on_conflict_do_nothing(index_elements=list(keys))
    pk = next(iter(table.primary_key.columns))
    result = await conn.execute(stmt.returning(pk))
    row = result.first()
    return row[0] if row else None


async def upsert(
    conn: AsyncConnection,
    table: Table,
    values: Mapping[str, Any],
    keys: Iterable[str],
    *,
    keep: Iterable[str] = (),
) -> bool:
    """Insert or update by ``keys``; columns in ``keep`` are not overwritten. True if inserted."""
    keys = list(keys)
    keep = set(keep) | set(keys)
    stmt = _insert(conn, table).values(**values)
    changes = {k: stmt.excluded[k] for k in values if k not in keep}
    pk = next(iter(table.primary_key.columns))
    if changes:
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_=changes)
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    before = await conn.execute(
        table.select().with_only_columns(pk).where(*(table.c[k] == values[k] for k in keys))
    )
    existed = before.first() is not None
    await conn.execute(stmt)
    return not existed
