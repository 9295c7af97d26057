"""Building tickets, deadlines and desks for the deadline tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from bot.config import Settings, SlackSettings
from bot.deadlines import open_deadline
from bot.store import Store
from bot.store.schema import deadlines, messages, reminders, slack_outbox, tickets

SLACK = SlackSettings(
    bot_token="xoxb-test",
    app_token="xapp-test",
    channel="C0DESK",
    escalation_mention="<!subteam^S123>",
)


def with_slack(settings: Settings, **changes: Any) -> Settings:
    """``settings`` with the Slack desk on (and any Slack fields changed)."""
    return replace(settings, slack=replace(SLACK, **changes))


async def open_ticket(
    store: Store, settings: Settings, now: datetime, *, policy: str = "csba", subject: str = "件名"
) -> tuple[int, int]:
    """A ticket with one inbound mail and its open deadline; returns (ticket id, deadline id)."""
    async with store.begin() as conn:
        ticket_id = (
            await conn.execute(
                insert(tickets)
                .values(subject=subject, status="waiting", created_at=now, updated_at=now)
                .returning(tickets.c.id)
            )
        ).scalar_one()
        message_id = (
            await conn.execute(
                insert(messages)
                .values(ticket_id=ticket_id, direction="in", author="buyer", created_at=now)
                .returning(messages.c.id)
            )
        ).scalar_one()
        deadline_id = await open_deadline(
            conn,
            ticket_id=ticket_id,
            message_id=message_id,
            policy=policy,
            now=now,
            settings=settings.deadlines,
            tz=settings.shop.timezone,
        )
    return int(ticket_id), deadline_id


async def slack_rows(store: Store) -> list[Any]:
    """Every queued Slack entry, oldest first."""
    async with store.connect() as conn:
        return list((await conn.execute(select(slack_outbox).order_by(slack_outbox.c.id))).all())


async def reminder_states(store: Store, deadline_id: int) -> dict[int, str]:
    """minutes_before → state of one deadline's reminders."""
    async with store.connect() as conn:
        rows = await conn.execute(
            select(reminders.c.minutes_before, reminders.c.state).where(
                reminders.c.deadline_id == deadline_id
            )
        )
        return {r.minutes_before: r.state for r in rows}


async def deadline_row(store: Store, deadline_id: int) -> Any:
    """One deadline row."""
    async with store.connect() as conn:
        return (await conn.execute(select(deadlines).where(deadlines.c.id == deadline_id))).one()
