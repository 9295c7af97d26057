"""Reply deadlines: when each buyer mail must be answered, and the reminders before that.

Policies: ``csba`` (6 h around the clock), ``amazon`` (24 h around the clock, weekends and
holidays included), ``business`` (a target counted in the shop's business hours).
Reminders are stored schedules, claimed like any other work.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.config import DeadlineSettings
from bot.store.schema import deadlines, reminders

POLICY_HOURS = {"csba": 6.0, "amazon": 24.0}


def due_at(
    policy: str, opened_at: datetime, settings: DeadlineSettings, tz: str = "Asia/Tokyo"
) -> datetime:
    """When a mail received at ``opened_at`` must be answered under ``policy``."""
    if policy in POLICY_HOURS:
        return opened_at + timedelta(hours=POLICY_HOURS[policy])
    if policy != "business":
        raise ValueError(f"unknown deadline policy {policy!r}")
    zone = ZoneInfo(tz)
    remaining = timedelta(hours=settings.business_target_hours)
    cursor = opened_at.astimezone(zone)
    start_t, end_t = settings.business_hours
    for _ in range(366 * 2):
        day_open = cursor.replace(hour=start_t.hour, minute=start_t.minute, second=0, microsecond=0)
        day_close = cursor.replace(hour=end_t.hour, minute=end_t.minute, second=0, microsecond=0)
        if (
            cursor.weekday() in settings.business_days
            and cursor.date().isoformat() not in settings.closed_days
        ):
            begin = max(cursor, day_open)
            if begin < day_close:
                available = day_close - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(opened_at.tzinfo)
                remaining -= available
        cursor = (cursor + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    raise ValueError("no business hours configured within two years")


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
    """Open the deadline for one inbound message, with its reminder ladder."""
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
    for minutes in settings.reminders_minutes:
        fire_at = due - timedelta(minutes=minutes)
        if minutes > 0 and fire_at <= now:
            continue  # a reminder whose moment has already passed would only be noise
        await conn.execute(
            insert(reminders).values(
                deadline_id=deadline_id, minutes_before=minutes, fire_at=fire_at, state="pending"
            )
        )
    return deadline_id


async def close_deadlines(
    conn: AsyncConnection, *, ticket_id: int, now: datetime, reason: str
) -> int:
    """Close every open deadline of a ticket (a real reply, or "no reply needed")."""
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
        .where(deadlines.c.id.in_(open_ids))
        .values(closed_at=now, close_reason=reason)
    )
    await conn.execute(
        update(reminders)
        .where(reminders.c.deadline_id.in_(open_ids), reminders.c.state == "pending")
        .values(state="cancelled")
    )
    return len(open_ids)
