"""The audit log: one row per thing that happened, for agents, digests and post-mortems."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.schema import events


async def record(
    conn: AsyncConnection,
    kind: str,
    *,
    now: datetime,
    ticket_id: int | None = None,
    raw_mail_id: int | None = None,
    actor: str | None = None,
    **detail: Any,
) -> None:
    """Append an event (inside the caller's transaction, so it commits with the change)."""
    await conn.execute(
        insert(events).values(
            at=now,
            kind=kind,
            ticket_id=ticket_id,
            raw_mail_id=raw_mail_id,
            actor=actor,
            detail=detail,
        )
    )


async def record_many(conn: AsyncConnection, rows: list[dict[str, Any]], *, now: datetime) -> None:
    """Append several events at once; each row has ``kind`` and optional ``ticket_id``,
    ``raw_mail_id``, ``actor``, and ``detail``."""
    if not rows:
        return
    await conn.execute(
        insert(events),
        [
            {
                "at": now,
                "kind": r["kind"],
                "ticket_id": r.get("ticket_id"),
                "raw_mail_id": r.get("raw_mail_id"),
                "actor": r.get("actor"),
                "detail": r.get("detail", {}),
            }
            for r in rows
        ],
    )
