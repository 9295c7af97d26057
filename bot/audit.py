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
