"""Which Slack thread belongs to which ticket (the ``slack_threads`` table)."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.schema import slack_threads
from bot.store.sql import insert_ignore

_CONVERSATION_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")


def is_conversation_id(channel: str | None) -> bool:
    """True for a channel id (``C0123ABCD``) rather than a name (``#cs-desk``)."""
    return bool(channel and _CONVERSATION_ID.match(channel))


async def save_thread(
    conn: AsyncConnection, ticket_id: int, channel: str, thread_ts: str, *, now: datetime
) -> None:
    """Remember the ticket's card (its ts is the thread's ts); the first card wins."""
    await insert_ignore(
        conn,
        slack_threads,
        {"ticket_id": ticket_id, "channel": channel, "thread_ts": thread_ts, "updated_at": now},
        ["ticket_id"],
    )


async def ticket_of_thread(conn: AsyncConnection, channel: str, thread_ts: str) -> int | None:
    """The ticket whose card starts this thread, if any."""
    hit = (
        await conn.execute(
            select(slack_threads.c.ticket_id).where(
                slack_threads.c.channel == channel, slack_threads.c.thread_ts == thread_ts
            )
        )
    ).scalar()
    return int(hit) if hit is not None else None


async def thread_of(conn: AsyncConnection, ticket_id: int) -> tuple[str, str] | None:
    """(channel, thread_ts) of the ticket's card, if it was posted."""
    row = (
        await conn.execute(
            select(slack_threads.c.channel, slack_threads.c.thread_ts).where(
                slack_threads.c.ticket_id == ticket_id
            )
        )
    ).first()
    return (row.channel, row.thread_ts) if row is not None else None
