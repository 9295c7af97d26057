"""Opening the store, applying migrations, and claiming work safely across processes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Table, event, select, text, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.sql.elements import ColumnElement

from bot.errors import StoreError
from bot.logs import kv

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant works; it only has to be the same in every process sharing the database.
_MIGRATION_LOCK_KEY = 0x6D61646F


def _alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the single writer; busy_timeout makes writers queue, not fail.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Store:
    """The async engine plus the few operations every stage shares."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # SQLite lets one transaction write at a time; a writer that finds the database locked
        # sleeps in SQLite's busy handler (1, 2, 5, 10 ms ...) and tries again. Writers of one
        # process queue here instead and go the moment the previous one has committed.
        self._write_turn = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside one transaction: committed on success, rolled back on error."""
        async with self.engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def write_turn(self) -> AsyncIterator[None]:
        """This process's turn to write (SQLite; a no-op on PostgreSQL, which locks rows).

        Hold it from the transaction's first write until its commit, and open no other
        transaction that writes meanwhile (the turn is not re-entrant).
        """
        if self._write_turn is None:
            yield
            return
        async with self._write_turn:
            yield

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncConnection]:
        """A transaction that writes from its start: :meth:`begin` inside :meth:`write_turn`."""
        async with self.write_turn(), self.engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads (autocommit-like: nothing is written)."""
        async with self.engine.connect() as conn:
            yield conn

    async def migrate(self) -> list[str]:
        """Bring the schema to the newest revision; returns the revisions applied.

        Safe to run from several processes at once: on PostgreSQL an advisory lock makes the
        others wait, on SQLite the database lock does.
        """
        async with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_KEY}
                )
            before = await conn.run_sync(_current_heads)
            await conn.run_sync(_upgrade)
            after = await conn.run_sync(_current_heads)
        applied = sorted(after - before)
        if applied:
            log.info(kv("store.migrated", revisions=",".join(applied)))
        return applied

    async def pending_migrations(self) -> list[str]:
        """Revisions not applied yet (``madoguchi doctor`` reports them)."""
        async with self.engine.connect() as conn:
            current = await conn.run_sync(_current_heads)
        script = ScriptDirectory.from_config(_alembic_config())
        wanted = set(script.get_heads())
        if current >= wanted:
            return []
        return sorted(
            rev.revision for rev in script.walk_revisions() if rev.revision not in current
        )

    async def claim(
        self,
        table: Table,
        where: ColumnElement[bool],
        *,
        worker: str,
        now: datetime,
        lease: timedelta,
        limit: int = 10,
        order_by: Any = None,
    ) -> list[Row[Any]]:
        """Lease up to ``limit`` rows matching ``where`` that nobody holds; returns them.

        A row is free when its lease is empty or has run out, so work held by a process that
        died is picked up again once its lease expires. On PostgreSQL the candidate rows are
        locked with ``FOR UPDATE SKIP LOCKED`` so concurrent workers never take the same row;
        SQLite has one writer at a time, which gives the same guarantee.
        """
        free = (table.c.claimed_until.is_(None)) | (table.c.claimed_until < now)
        pk = next(iter(table.primary_key.columns))
        candidates = (
            select(pk)
            .where(where & free)
            .order_by(order_by if order_by is not None else pk)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        stmt = (
            update(table)
            .where(pk.in_(candidates.scalar_subquery()))
            .where(free)
            .values(claimed_by=worker, claimed_until=now + lease, attempts=table.c.attempts + 1)
            .returning(*table.c)
        )
        async with self.writing() as conn:
            rows = (await conn.execute(stmt)).all()
        return sorted(rows, key=lambda r: r._mapping[pk.name])

    async def release(self, table: Table, *keys: Any, worker: str) -> None:
        """Give claimed rows back without finishing them (shutdown, or a retry later)."""
        if not keys:
            return
        pk = next(iter(table.primary_key.columns))
        async with self.writing() as conn:
            await conn.execute(
                update(table)
                .where(pk.in_(keys), table.c.claimed_by == worker)
                .values(claimed_by=None, claimed_until=None)
            )

    async def ping(self) -> None:
        """Raise :class:`StoreError` unless the database answers."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (OSError, DBAPIError, OperationalError) as exc:
            raise StoreError(f"cannot reach the store: {_short(exc)}") from exc

    async def close(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


def _current_heads(conn: Connection) -> set[str]:
    return set(MigrationContext.configure(conn).get_current_heads())


def _upgrade(conn: Connection) -> None:
    command.upgrade(_alembic_config(conn), "heads")


def _short(exc: BaseException) -> str:
    text_ = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text_[0] if text_ else type(exc).__name__


def open_store(database_url: str, *, pool_size: int = 5) -> Store:
    """Create the engine for ``database_url`` (SQLite folders are created as needed)."""
    kwargs: dict[str, Any] = {}
    if database_url.startswith("sqlite"):
        path = database_url.split(":///", 1)[1]
        if path and path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    engine = create_async_engine(database_url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return Store(engine)
