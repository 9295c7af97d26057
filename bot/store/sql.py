"""Statements that differ between SQLite and PostgreSQL, behind one spelling."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection


def _insert(conn: AsyncConnection, table: Table) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def insert_ignoring(conn: AsyncConnection, table: Table, keys: Iterable[str]) -> Any:
    """An INSERT that skips rows whose ``keys`` exist already (for one row or executemany)."""
    return _insert(conn, table).on_conflict_do_nothing(index_elements=list(keys))


async def insert_ignore(
    conn: AsyncConnection, table: Table, values: Mapping[str, Any], keys: Iterable[str]
) -> Any | None:
    """Insert a row unless one with the same ``keys`` exists; the new primary key or None."""
    stmt = insert_ignoring(conn, table, keys).values(**values)
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


async def insert_many(
    conn: AsyncConnection, table: Table, rows: Sequence[Mapping[str, Any]]
) -> list[int]:
    """Insert ``rows`` and return their new primary keys, in the order of ``rows``.

    PostgreSQL does it in one round trip (RETURNING, correlated to the parameters). SQLite
    would insert row by row for that guarantee, so there the keys are given explicitly: the
    caller's transaction already holds SQLite's single write lock (it has written), so no
    other writer can take the same numbers, and a clash would fail loudly, never silently.
    """
    if not rows:
        return []
    pk = next(iter(table.primary_key.columns))
    if conn.dialect.name != "sqlite":
        result = await conn.execute(
            insert(table).returning(pk, sort_by_parameter_order=True), list(rows)
        )
        return [int(r[0]) for r in result]
    top = (await conn.execute(select(func.coalesce(func.max(pk), 0)))).scalar_one()
    keys = list(range(int(top) + 1, int(top) + 1 + len(rows)))
    await conn.execute(
        insert(table), [{**row, pk.name: key} for row, key in zip(rows, keys, strict=True)]
    )
    return keys


IDS_PER_STATEMENT = 1000


async def rows_by_id(
    conn: AsyncConnection, table: Table, ids: Iterable[int]
) -> dict[int, Row[Any]]:
    """Whole rows by primary key (missing keys are simply absent).

    The keys go in chunks of :data:`IDS_PER_STATEMENT`, well inside both databases' limits on
    bound parameters however many are asked for.
    """
    wanted = sorted(set(ids))
    pk = next(iter(table.primary_key.columns))
    found: dict[int, Row[Any]] = {}
    for start in range(0, len(wanted), IDS_PER_STATEMENT):
        chunk = wanted[start : start + IDS_PER_STATEMENT]
        for r in await conn.execute(select(table).where(pk.in_(chunk))):
            found[int(r._mapping[pk.name])] = r
    return found
