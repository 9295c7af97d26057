"""Sending digests on schedule, exactly once across every worker.

Each scheduled digest has a key (``digest:daily:2026-11-26:zh``); the worker that inserts the
key into ``job_runs`` sends it, in the same transaction as the outbox mail and the Slack queue
entry. Others find the key taken and do nothing, and a crash before the commit leaves the
digest to the next look.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Clock
from bot.config import DigestSettings, Settings
from bot.digest.build import Digest, build_digest
from bot.digest.mail import chart_cid, digest_mail
from bot.digest.period import Period
from bot.logs import kv
from bot.mail.compose import make_message_id
from bot.mail.outbox import enqueue
from bot.store import Store
from bot.store.schema import job_runs, mailboxes
from bot.store.slack_queue import queue_channel_message
from bot.store.sql import insert_ignore

log = logging.getLogger(__name__)

AUTHOR = "digest"  # the outbox author of digest mails (they belong to no ticket)
_MAX_SLEEP_SECONDS = 60.0


@dataclass(frozen=True)
class DigestRun:
    """One scheduled digest: which period, which language, under which key."""

    key: str
    period: Period
    lang: str


def latest_slot(now: datetime, at: time, tz: str) -> date:
    """The local date of the most recent ``at`` o'clock at or before ``now``."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    today = local.date()
    if datetime.combine(today, at, zone) <= local:
        return today
    return today - timedelta(days=1)


def due_runs(now: datetime, digest: DigestSettings) -> list[DigestRun]:
    """The digests whose latest scheduled time has come (sent or not): yesterday's daily one,
    and last week's weekly one when weekly digests are on."""
    slot = latest_slot(now, digest.daily_at, digest.timezone)
    runs = []
    for lang in digest.languages:
        day = slot - timedelta(days=1)
        runs.append(DigestRun(f"digest:daily:{day.isoformat()}:{lang}", Period.day(day), lang))
    if digest.weekly:
        back = (slot.weekday() - digest.weekly_day) % 7
        week_slot = slot - timedelta(days=back)
        first = week_slot - timedelta(days=7)
        for lang in digest.languages:
            runs.append(
                DigestRun(f"digest:weekly:{first.isoformat()}:{lang}", Period.week(first), lang)
            )
    return runs


class DigestScheduler:
    """Sends each scheduled digest once, by mail and to the Slack channel."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        settings: Settings,
        *,
        worker: str | None = None,
        on_mail: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings
        self.worker = worker or settings.worker_id
        self.on_mail = on_mail  # wakes the outbox loop when a digest mail was queued

    @property
    def to_slack(self) -> bool:
        """Whether digests go to the Slack channel."""
        return self.settings.slack.enabled and self.settings.digest.to_slack

    @property
    def has_audience(self) -> bool:
        """Whether anyone is configured to receive digests."""
        return bool(self.settings.digest.email_to) or self.to_slack

    async def run_due(self) -> int:
        """Send every digest that is due and not sent yet; returns how many this worker sent."""
        if not self.has_audience:
            return 0
        async with self.store.connect() as conn:
            since = await desk_started(conn)
        sent = 0
        tz = self.settings.digest.timezone
        for run in due_runs(self.clock.now(), self.settings.digest):
            if since is not None and run.period.bounds(tz)[1] <= since:
                continue  # the desk did not exist yet: an empty report would only confuse
            try:
                sent += await self.deliver(run)
            except Exception as exc:  # one broken digest must not hold back the others
                log.exception(kv("digest.failed", key=run.key, error=type(exc).__name__))
        return sent

    async def deliver(self, run: DigestRun) -> bool:
        """Render and queue one digest unless another worker already did; True if we did."""
        async with self.store.connect() as conn:
            if await _taken(conn, run.key):
                return False
        now = self.clock.now()
        shop = self.settings.shop
        message_id = make_message_id(f"{run.key}:{shop.address}", shop.address.split("@", 1)[1])
        cid = chart_cid(message_id)
        # Rendering happens outside the transaction: it is slow and needs no lock.
        digest = await build_digest(
            self.store,
            run.period,
            run.lang,
            self.settings.digest.timezone,
            settings=self.settings,
            now=now,
            embed="cid",
            cid=cid,
        )
        async with self.store.begin() as conn:
            claimed = await insert_ignore(
                conn,
                job_runs,
                {"key": run.key, "claimed_by": self.worker, "started_at": now},
                ["key"],
            )
            if claimed is None:
                return False
            outbox_id = await self._queue_mail(conn, digest, message_id, cid, now)
            if self.to_slack:
                await queue_channel_message(conn, text=digest.rendered.slack, now=now)
            await conn.execute(
                update(job_runs)
                .where(job_runs.c.key == run.key)
                .values(
                    done_at=now,
                    result={"outbox_id": outbox_id, "slack": self.to_slack, "lang": run.lang},
                )
            )
        log.info(
            kv(
                "digest.queued",
                key=run.key,
                worker=self.worker,
                mail=outbox_id is not None,
                slack=self.to_slack,
            )
        )
        if outbox_id is not None and self.on_mail is not None:
            self.on_mail()
        return True

    async def _queue_mail(
        self, conn: AsyncConnection, digest: Digest, message_id: str, cid: str, now: datetime
    ) -> int | None:
        recipients = list(self.settings.digest.email_to)
        if not recipients:
            return None
        raw = digest_mail(
            digest, self.settings.shop, recipients, cid=cid, message_id=message_id, date=now
        )
        return await enqueue(
            conn,
            ticket_id=None,
            decision_id=None,
            message_id=message_id,
            mail_from=self.settings.shop.address,
            rcpt_to=recipients,
            subject=digest.rendered.subject,
            body=digest.rendered.text,
            raw=raw,
            author=AUTHOR,
            now=now,
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Look for due digests every minute (or poll interval) until ``stop`` is set."""
        log.info(
            kv(
                "digests.start",
                worker=self.worker,
                languages=",".join(self.settings.digest.languages),
                at=self.settings.digest.daily_at.isoformat(timespec="minutes"),
                audience="yes" if self.has_audience else "none",
            )
        )
        while not stop.is_set():
            try:
                await self.run_due()
            except Exception as exc:  # one failed digest must not stop the desk
                log.exception(kv("digests.error", error=type(exc).__name__))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    stop.wait(), timeout=min(self.settings.poll_seconds * 6, _MAX_SLEEP_SECONDS)
                )
        log.info(kv("digests.stop", worker=self.worker))


async def _taken(conn: AsyncConnection, key: str) -> bool:
    return (
        await conn.execute(select(job_runs.c.key).where(job_runs.c.key == key))
    ).first() is not None


async def desk_started(conn: AsyncConnection) -> datetime | None:
    """When the first mailbox was registered (the desk's first day), if any was."""
    return (await conn.execute(select(func.min(mailboxes.c.created_at)))).scalar()
