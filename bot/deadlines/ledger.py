"""Opening and closing deadlines in the store, inside the caller's transaction.

A deadline opens for each buyer mail that needs an answer and carries its reminder ladder as
stored rows (``reminders``), so the schedule survives restarts and is shared by every worker.
The first real reply, or an agent's "no reply needed", closes every open deadline of the ticket
and cancels the reminders still waiting.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.config import DeadlineSettings
from bot.deadlines.calendar import due_at
from bot.store.schema import deadlines, reminders

BREACH = 0  # the rung of the ladder that fires at the due time itself
CLOSE_REASONS = ("replied_bot", "replied_agent", "no_reply_needed", "closed")


def ladder(settings: DeadlineSettings) -> tuple[int, ...]:
    """Minutes before the due time at which to remind, latest last; the breach is always there."""
    return tuple(sorted({m for m in settings.reminders_minutes if m > 0} | {BREACH}, reverse=True))


async def open_deadline(
    conn: AsyncConnection,
    *,
    ticket_id: int,
    message_id: int,
    policy: str,
    now: datetime,
    settings: DeadlineSettings,
    tz: str = "Asia/Tokyo",
) -> int:
    """Open the deadline for one inbound message, with its reminder ladder; returns its id."""
    due = due_at(policy, now, settings, tz)
    deadline_id = int(
        (
            await conn.execute(
                insert(deadlines)
                .values(
                    ticket_id=ticket_id,
                    message_id=message_id,
                    policy=policy,
                    opened_at=now,
                    due_at=due,
                )
                .returning(deadlines.c.id)
            )
        ).scalar_one()
    )
    for minutes in ladder(settings):
        fire_at = due - timedelta(minutes=minutes)
        if minutes != BREACH and fire_at <= now:
            continue  # a warning whose moment has already passed would only be noise
        await conn.execute(
            insert(reminders).values(
                deadline_id=deadline_id, minutes_before=minutes, fire_at=fire_at, state="pending"
            )
        )
    return deadline_id


async def close_deadlines(
    conn: AsyncConnection, *, ticket_id: int, now: datetime, reason: str
) -> int:
    """Close every open deadline of a ticket (a real reply, or "no reply needed").

    ``reason`` is normally one of :data:`CLOSE_REASONS`; digests count ``replied_bot`` and
    ``replied_agent`` as answers and anything else as closed without a reply. Reminders still
    pending are cancelled. Returns how many deadlines were closed.
    """
    open_ids = (
        (
            await conn.execute(
                select(deadlines.c.id).where(
                    deadlines.c.ticket_id == ticket_id, deadlines.c.closed_at.is_(None)
                )
            )
        )
        .scalars()
        .all()
    )
    if not open_ids:
        return 0
    await conn.execute(
        update(deadlines)
        .where(deadlines.c.id.in_(open_ids), deadlines.c.closed_at.is_(None))
        .values(closed_at=now, close_reason=reason)
    )
    await conn.execute(
        update(reminders)
        .where(reminders.c.deadline_id.in_(open_ids), reminders.c.state == "pending")
        .values(state="cancelled", claimed_by=None, claimed_until=None)
    )
    return len(open_ids)


async def earliest_open_deadline(conn: AsyncConnection, ticket_id: int) -> Any | None:
    """The ticket's open deadline that is due first (for its card's clock), or None."""
    return (
        await conn.execute(
            select(deadlines)
            .where(deadlines.c.ticket_id == ticket_id, deadlines.c.closed_at.is_(None))
            .order_by(deadlines.c.due_at, deadlines.c.id)
            .limit(1)
        )
    ).first()
