"""Opening and closing deadlines in the store, inside the caller's transaction.

A deadline opens for each buyer mail that needs an answer and carries its reminder ladder as
stored rows (``reminders``), so the schedule survives restarts and is shared by every worker.
The first real reply, or an agent's "no reply needed", closes every open deadline of the ticket
and cancels the reminders still waiting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.config import DeadlineSettings
from bot.deadlines.calendar import due_at
from bot.store.schema import deadlines, reminders
from bot.store.sql import IDS_PER_STATEMENT, insert_many

BREACH = 0  # the rung of the ladder that fires at the due time itself
CLOSE_REASONS = ("replied_bot", "replied_agent", "no_reply_needed", "closed")


def ladder(settings: DeadlineSettings) -> tuple[int, ...]:
    """Minutes before the due time at which to remind, latest last; the breach is always there."""
    return tuple(sorted({m for m in settings.reminders_minutes if m > 0} | {BREACH}, reverse=True))


def reminder_rungs(
    due: datetime, now: datetime, settings: DeadlineSettings
) -> list[tuple[int, datetime]]:
    """(minutes before, fire time) of each reminder a deadline due at ``due`` gets."""
    rungs = []
    for minutes in ladder(settings):
        fire_at = due - timedelta(minutes=minutes)
        if minutes != BREACH and fire_at <= now:
            continue  # a warning whose moment has already passed would only be noise
        rungs.append((minutes, fire_at))
    return rungs


async def open_deadlines(
    conn: AsyncConnection,
    opening: Sequence[tuple[int, int, str]],
    *,
    now: datetime,
    settings: DeadlineSettings,
    tz: str = "Asia/Tokyo",
) -> list[int]:
    """Open one deadline per (ticket id, message row id, policy), with reminders; their ids."""
    if not opening:
        return []
    dues = [due_at(policy, now, settings, tz) for _, _, policy in opening]
    ids = await insert_many(
        conn,
        deadlines,
        [
            {"ticket_id": t, "message_id": m, "policy": p, "opened_at": now, "due_at": due}
            for (t, m, p), due in zip(opening, dues, strict=True)
        ],
    )
    rungs = [
        {"deadline_id": d, "minutes_before": minutes, "fire_at": fire_at, "state": "pending"}
        for d, due in zip(ids, dues, strict=True)
        for minutes, fire_at in reminder_rungs(due, now, settings)
    ]
    if rungs:
        await conn.execute(insert(reminders), rungs)
    return ids


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
    (deadline_id,) = await open_deadlines(
        conn, [(ticket_id, message_id, policy)], now=now, settings=settings, tz=tz
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
    return await close_deadlines_of(conn, {ticket_id: reason}, now=now)


async def close_deadlines_of(
    conn: AsyncConnection, reasons: Mapping[int, str], *, now: datetime
) -> int:
    """Close the open deadlines of several tickets at once, each with its own reason.

    One UPDATE ... RETURNING per distinct reason (a batch of sent replies has one or two)
    closes the deadlines and names them, then one UPDATE cancels their pending reminders.
    """
    if not reasons:
        return 0
    by_reason: dict[str, list[int]] = {}
    for ticket_id, reason in reasons.items():
        by_reason.setdefault(reason, []).append(ticket_id)
    closed: list[int] = []
    for reason, ticket_ids in by_reason.items():
        for start in range(0, len(ticket_ids), IDS_PER_STATEMENT):
            result = await conn.execute(
                update(deadlines)
                .where(
                    deadlines.c.ticket_id.in_(ticket_ids[start : start + IDS_PER_STATEMENT]),
                    deadlines.c.closed_at.is_(None),
                )
                .values(closed_at=now, close_reason=reason)
                .returning(deadlines.c.id)
            )
            closed.extend(int(i) for i in result.scalars())
    for start in range(0, len(closed), IDS_PER_STATEMENT):
        await conn.execute(
            update(reminders)
            .where(
                reminders.c.deadline_id.in_(closed[start : start + IDS_PER_STATEMENT]),
                reminders.c.state == "pending",
            )
            .values(state="cancelled", claimed_by=None, claimed_until=None)
        )
    return len(closed)


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
