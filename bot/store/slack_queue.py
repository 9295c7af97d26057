"""Putting work on the Slack queue (``slack_outbox``), inside the caller's transaction.

Whatever should appear in Slack is written to the store first, together with the change it
reports; the Slack worker posts it. These helpers are the producer side of the contract in
``frame.md`` (``ticket``, ``thread_message``, ``card_refresh``, ``channel_message``) plus the
desk's own ``ephemeral`` notes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.schema import slack_outbox


async def _queue(
    conn: AsyncConnection,
    kind: str,
    payload: dict[str, Any],
    *,
    now: datetime,
    ticket_id: int | None,
) -> int:
    result = await conn.execute(
        insert(slack_outbox)
        .values(
            ticket_id=ticket_id,
            kind=kind,
            payload=payload,
            state="pending",
            not_before=now,
            created_at=now,
        )
        .returning(slack_outbox.c.id)
    )
    return int(result.scalar_one())


async def queue_ticket(
    conn: AsyncConnection, *, ticket_id: int, now: datetime, **facts: Any
) -> int:
    """Show the ticket to agents: its card (first time) or its news in the thread (later)."""
    return await _queue(
        conn, "ticket", {"ticket_id": ticket_id, **facts}, now=now, ticket_id=ticket_id
    )


async def queue_thread_message(
    conn: AsyncConnection,
    *,
    ticket_id: int,
    text: str,
    now: datetime,
    blocks: list[dict[str, Any]] | None = None,
    replace_ts: str | None = None,
    refresh_card: bool = False,
    **extra: Any,
) -> int:
    """Post ``text`` into the ticket's thread (or, with ``replace_ts``, rewrite that post).

    ``extra`` keys travel in the payload for the worker (e.g. ``notice="mail_sent"``).
    """
    payload: dict[str, Any] = {"ticket_id": ticket_id, "text": text, **extra}
    if blocks:
        payload["blocks"] = blocks
    if replace_ts:
        payload["replace_ts"] = replace_ts
    if refresh_card:
        payload["refresh_card"] = True
    return await _queue(conn, "thread_message", payload, now=now, ticket_id=ticket_id)


async def queue_card_refresh(conn: AsyncConnection, *, ticket_id: int, now: datetime) -> int:
    """Re-render the ticket's card from the store."""
    return await _queue(
        conn, "card_refresh", {"ticket_id": ticket_id}, now=now, ticket_id=ticket_id
    )


async def queue_channel_message(
    conn: AsyncConnection,
    *,
    text: str,
    now: datetime,
    blocks: list[dict[str, Any]] | None = None,
    channel: str | None = None,
) -> int:
    """Post to the desk's channel (or ``channel``), outside any ticket (digests)."""
    payload: dict[str, Any] = {"text": text}
    if blocks:
        payload["blocks"] = blocks
    if channel:
        payload["channel"] = channel
    return await _queue(conn, "channel_message", payload, now=now, ticket_id=None)


async def queue_ephemeral(
    conn: AsyncConnection,
    *,
    user: str,
    text: str,
    now: datetime,
    ticket_id: int | None = None,
    channel: str | None = None,
    thread_ts: str | None = None,
) -> int:
    """A note only ``user`` sees (refusals, "too late to cancel")."""
    payload: dict[str, Any] = {"user": user, "text": text}
    if channel:
        payload["channel"] = channel
    if thread_ts:
        payload["thread_ts"] = thread_ts
    return await _queue(conn, "ephemeral", payload, now=now, ticket_id=ticket_id)
