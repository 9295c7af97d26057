"""The reminder ladder at work: due reminders go to the ticket's Slack thread, exactly once.

Reminders are rows, claimed like any other work. Firing one is a single transaction: the
reminder's move from ``pending`` to ``sent`` (only by the worker holding its lease), the Slack
queue entries and, at the breach, ``deadlines.breached_at``. Two workers therefore never send
the same reminder, a restart never loses one, and a crash before the commit simply leaves it
to be claimed again when the lease runs out.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import audit
from bot.clock import Clock, pause
from bot.config import DEFAULT_TEMPLATES_DIR, LANGUAGES, Settings
from bot.deadlines.ledger import BREACH
from bot.logs import kv
from bot.store import Store
from bot.store.schema import deadlines, reminders
from bot.store.slack_queue import queue_card_refresh, queue_thread_message
from bot.templates import Renderer

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
_TEMPLATES = ("deadlines/reminder.txt", "deadlines/breach.txt")
# The longest the loop sleeps between looks at the schedule, whatever poll_seconds says.
_MAX_SLEEP_SECONDS = 30.0


@dataclass(frozen=True)
class Fired:
    """What became of one claimed reminder."""

    reminder_id: int
    deadline_id: int
    ticket_id: int | None
    minutes_before: int
    # sent | skipped (a later rung was due too) | cancelled (closed) | lost (lease) | failed
    outcome: str
    text: str = ""


def agent_renderer(settings: Settings) -> Renderer:
    """A renderer for agent-facing text; the bundled templates fill in what a custom set lacks."""
    custom = settings.templates_dir
    lang = settings.slack.agent_language
    if all((custom / lang / name).is_file() for name in _TEMPLATES):
        return Renderer(custom)
    return Renderer(DEFAULT_TEMPLATES_DIR)


# How people name the zones sellers and agents usually work in; others go by abbreviation.
_ZONE_NAMES: dict[str, dict[str, str]] = {
    "ja": {"Asia/Tokyo": "", "Asia/Shanghai": "北京時間", "Asia/Hong_Kong": "香港時間"},
    "zh": {
        "Asia/Tokyo": "日本时间",
        "Asia/Shanghai": "北京时间",
        "Asia/Hong_Kong": "香港时间",
        "Asia/Taipei": "台北时间",
    },
}


def zone_label(tz: str, lang: str, at: datetime | None = None) -> str:
    """How a time zone is named after a clock time in ``lang`` ("" when Japan time goes unsaid).

    English uses the abbreviation in force at ``at`` (JST, CST, PDT ...).
    """
    named = _ZONE_NAMES.get(lang, {})
    if tz in named:
        return named[tz]
    if lang == "en" or at is not None:
        abbreviation = (at or datetime.now(ZoneInfo(tz))).astimezone(ZoneInfo(tz)).tzname()
        if abbreviation and not abbreviation.startswith(("+", "-")):
            return abbreviation
    return tz


def reminder_text(
    renderer: Renderer,
    lang: str,
    *,
    minutes_before: int,
    due: datetime,
    now: datetime,
    tz: str,
    mention: str | None,
) -> str:
    """The thread message for one rung: a warning before the due time, or the breach."""
    local = due.astimezone(ZoneInfo(tz))
    left = max(0, round((due - now).total_seconds() / 60))
    late = max(0, round((now - due).total_seconds() / 60))
    name = "deadlines/breach.txt" if minutes_before == BREACH else "deadlines/reminder.txt"
    return renderer.render(
        lang if lang in LANGUAGES else "ja",
        name,
        due=due,
        tz=tz,
        due_time=f"{local:%H:%M}",
        zone=zone_label(tz, lang, due),
        left_minutes=left,
        late_minutes=late,
        mention=mention or "",
    ).strip()


class ReminderWorker:
    """Claims due reminders and queues their Slack messages."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        settings: Settings,
        *,
        worker: str | None = None,
        renderer: Renderer | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings
        self.worker = worker or settings.worker_id
        self.renderer = renderer or agent_renderer(settings)

    async def fire_due(self, limit: int = 100) -> int:
        """Fire every reminder that is due now; returns how many messages were queued."""
        sent = 0
        while True:
            fired = await self.fire_batch(limit)
            sent += sum(1 for f in fired if f.outcome == "sent")
            if len(fired) < limit:
                return sent

    async def fire_batch(self, limit: int = 100) -> list[Fired]:
        """Claim up to ``limit`` due reminders and fire each; returns what became of them."""
        now = self.clock.now()
        rows = await self.store.claim(
            reminders,
            (reminders.c.state == "pending") & (reminders.c.fire_at <= now),
            worker=self.worker,
            now=now,
            lease=LEASE,
            limit=limit,
            order_by=reminders.c.id,
        )
        fired = []
        for row in rows:
            try:
                fired.append(await self._fire(row, now))
            except Exception as exc:  # left leased: it is tried again when the lease runs out
                log.exception(
                    kv("deadline.reminder_failed", reminder=row.id, error=type(exc).__name__)
                )
                fired.append(Fired(row.id, row.deadline_id, None, row.minutes_before, "failed"))
        return fired

    async def _fire(self, row: Any, now: datetime) -> Fired:
        async with self.store.begin() as conn:
            # The state change comes first: only the lease holder gets past it, and on SQLite
            # the transaction takes the write lock before reading anything.
            moved = await conn.execute(
                update(reminders)
                .where(
                    reminders.c.id == row.id,
                    reminders.c.state == "pending",
                    reminders.c.claimed_by == self.worker,
                )
                .values(state="sent", sent_at=now, claimed_by=None, claimed_until=None)
            )
            if moved.rowcount != 1:
                return Fired(row.id, row.deadline_id, None, row.minutes_before, "lost")
            deadline = await _lock_deadline(conn, row.deadline_id, self.store.dialect)
            if deadline is None or deadline.closed_at is not None:
                await _set_state(conn, row.id, "cancelled")
                return Fired(row.id, row.deadline_id, None, row.minutes_before, "cancelled")
            if row.minutes_before != BREACH and await _later_rung_due(conn, row, now):
                await _set_state(conn, row.id, "skipped")
                log.info(
                    kv(
                        "deadline.reminder_skipped",
                        ticket=deadline.ticket_id,
                        deadline=deadline.id,
                        minutes_before=row.minutes_before,
                    )
                )
                return Fired(
                    row.id, row.deadline_id, deadline.ticket_id, row.minutes_before, "skipped"
                )
            text = self._text(row.minutes_before, deadline.due_at, now)
            await self._queue(conn, row, deadline, text, now)
        log.info(
            kv(
                "deadline.breached" if row.minutes_before == BREACH else "deadline.reminder",
                ticket=deadline.ticket_id,
                deadline=deadline.id,
                minutes_before=row.minutes_before,
                due=deadline.due_at.isoformat(),
                slack="on" if self.settings.slack.enabled else "off",
            )
        )
        return Fired(row.id, row.deadline_id, deadline.ticket_id, row.minutes_before, "sent", text)

    def _text(self, minutes_before: int, due: datetime, now: datetime) -> str:
        slack = self.settings.slack
        return reminder_text(
            self.renderer,
            slack.agent_language,
            minutes_before=minutes_before,
            due=due,
            now=now,
            tz=self.settings.shop.timezone,
            mention=slack.escalation_mention if minutes_before == BREACH else None,
        )

    async def _queue(
        self, conn: AsyncConnection, row: Any, deadline: Any, text: str, now: datetime
    ) -> None:
        ticket_id = int(deadline.ticket_id)
        breach = row.minutes_before == BREACH
        if breach:
            await conn.execute(
                update(deadlines)
                .where(deadlines.c.id == deadline.id, deadlines.c.breached_at.is_(None))
                .values(breached_at=now)
            )
        if self.settings.slack.enabled:
            await queue_thread_message(conn, ticket_id=ticket_id, text=text, now=now)
            if breach:
                # the card shows the ticket as overdue once re-rendered from the store
                await queue_card_refresh(conn, ticket_id=ticket_id, now=now)
        await audit.record(
            conn,
            "deadline.breached" if breach else "deadline.reminder",
            now=now,
            ticket_id=ticket_id,
            actor="bot",
            deadline=int(deadline.id),
            minutes_before=int(row.minutes_before),
            escalated=bool(breach and self.settings.slack.escalation_mention),
        )

    async def next_fire_at(self) -> datetime | None:
        """When the next pending reminder is due (the loop sleeps until then)."""
        async with self.store.connect() as conn:
            return (
                await conn.execute(
                    select(func.min(reminders.c.fire_at)).where(reminders.c.state == "pending")
                )
            ).scalar()

    async def run(self, stop: asyncio.Event) -> None:
        """Fire reminders as they come due until ``stop`` is set."""
        log.info(kv("reminders.start", worker=self.worker))
        while not stop.is_set():
            try:
                await self.fire_due()
                upcoming = await self.next_fire_at()
            except Exception as exc:  # a bad moment of the store must not end the loop
                log.exception(kv("reminders.error", error=type(exc).__name__))
                upcoming = None
            sleep = min(self.settings.poll_seconds, _MAX_SLEEP_SECONDS)
            if upcoming is not None:
                sleep = max(0.0, min(sleep, (upcoming - self.clock.now()).total_seconds()))
            await pause(stop, max(sleep, 0.05))
        log.info(kv("reminders.stop", worker=self.worker))


async def _lock_deadline(conn: AsyncConnection, deadline_id: int, dialect: str) -> Any | None:
    stmt = select(deadlines).where(deadlines.c.id == deadline_id)
    if dialect == "postgresql":
        # waits for a concurrent close_deadlines to commit, so a closed deadline is seen as such
        stmt = stmt.with_for_update()
    return (await conn.execute(stmt)).first()


async def _later_rung_due(conn: AsyncConnection, row: Any, now: datetime) -> bool:
    """Whether a closer rung of the same deadline is due too (after downtime: send only that)."""
    later = await conn.execute(
        select(reminders.c.id)
        .where(
            and_(
                reminders.c.deadline_id == row.deadline_id,
                reminders.c.minutes_before < row.minutes_before,
                reminders.c.fire_at <= now,
                reminders.c.state.in_(("pending", "sent")),
            )
        )
        .limit(1)
    )
    return later.first() is not None


async def _set_state(conn: AsyncConnection, reminder_id: int, state: str) -> None:
    await conn.execute(
        update(reminders).where(reminders.c.id == reminder_id).values(state=state, sent_at=None)
    )
