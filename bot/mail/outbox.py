"""The transactional outbox: replies are stored with their Message-ID, then delivered once.

An entry is written in the same transaction as the decision that wants it. A sender claims
due entries from the store, hands them to the transport, and records the result. An entry
that was claimed before (its process died mid-send) is first checked with the transport's
``already_delivered`` so that a mail the server accepted is not sent a second time.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import aiosmtplib
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Clock
from bot.config import OutboxSettings
from bot.errors import OutboxError, PermanentSendError
from bot.logs import kv
from bot.store import Store
from bot.store.schema import outbox

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class OutboxEntry:
    """One stored reply as the sender sees it."""

    id: int
    ticket_id: int | None  # None for mail to the seller (digests)
    message_id: str
    mail_from: str
    rcpt_to: list[str]
    raw: bytes
    author: str
    attempts: int


class Transport(Protocol):
    """Something that can hand a composed mail to the world."""

    async def deliver(self, entry: OutboxEntry) -> None:
        """Deliver or raise :class:`OutboxError` (retry) / :class:`PermanentSendError` (give up)."""

    async def already_delivered(self, entry: OutboxEntry) -> bool:
        """Whether this Message-ID has certainly left already (checked before a re-send)."""

    async def close(self) -> None:
        """Release connections."""


def _safe_name(message_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9.@_-]", "_", message_id.strip("<>"))


class FilesTransport:
    """Writes each reply as ``<folder>/<message-id>.eml`` (the default when no SMTP is set)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, entry: OutboxEntry) -> Path:
        return self.folder / f"{_safe_name(entry.message_id)}.eml"

    async def deliver(self, entry: OutboxEntry) -> None:
        await asyncio.to_thread(self._write, entry)

    def _write(self, entry: OutboxEntry) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self._path(entry)
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(entry.raw)
        os.replace(tmp, target)  # atomic: a reader never sees half a mail

    async def already_delivered(self, entry: OutboxEntry) -> bool:
        return self._path(entry).exists()

    async def close(self) -> None:
        return None


class MaildirTransport(FilesTransport):
    """Delivers replies into a Maildir (``tmp/`` then ``new/``), e.g. for a local MTA to pick up."""

    def _path(self, entry: OutboxEntry) -> Path:
        return self.folder / "new" / f"{_safe_name(entry.message_id)}"

    def _write(self, entry: OutboxEntry) -> None:
        for sub in ("tmp", "new", "cur"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        tmp = self.folder / "tmp" / _safe_name(entry.message_id)
        tmp.write_bytes(entry.raw)
        os.replace(tmp, self._path(entry))


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """A verifying TLS context; ``ca_file`` adds a private CA (self-signed test servers)."""
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


class SmtpTransport:
    """Sends through an SMTP server with aiosmtplib (SMTPS, STARTTLS, or plain on loopback)."""

    def __init__(self, settings: OutboxSettings) -> None:
        self.settings = settings

    async def deliver(self, entry: OutboxEntry) -> None:
        s = self.settings
        kwargs: dict[str, Any] = {
            "hostname": s.host,
            "port": s.port,
            "timeout": s.timeout,
            "use_tls": s.scheme == "smtps",
            "start_tls": s.scheme == "smtp+starttls",
        }
        if s.scheme != "smtp":
            kwargs["tls_context"] = tls_context(s.ca_file)
        if s.username:
            kwargs["username"] = s.username
            kwargs["password"] = s.password or ""
        try:
            await aiosmtplib.send(
                entry.raw, sender=entry.mail_from, recipients=entry.rcpt_to, **kwargs
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            if all(500 <= c < 600 for c in codes):
                raise PermanentSendError(
                    f"recipients refused: {'; '.join(str(r) for r in exc.recipients)}"
                ) from exc
            raise OutboxError(f"recipients refused for now: {exc}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise PermanentSendError(f"{exc.code} {exc.message}") from exc
            raise OutboxError(f"{exc.code} {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise OutboxError(f"{type(exc).__name__}: {exc}") from exc

    async def already_delivered(self, entry: OutboxEntry) -> bool:
        # Without a Sent folder to look in we cannot tell; the mail issue adds that check.
        return False

    async def close(self) -> None:
        return None


def make_transport(settings: OutboxSettings) -> Transport:
    """The transport for the configured outbox."""
    if settings.scheme == "files":
        assert settings.path is not None
        return FilesTransport(settings.path)
    if settings.scheme == "maildir":
        assert settings.path is not None
        return MaildirTransport(settings.path)
    return SmtpTransport(settings)


async def enqueue(
    conn: AsyncConnection,
    *,
    ticket_id: int | None,
    decision_id: int | None,
    message_id: str,
    mail_from: str,
    rcpt_to: list[str],
    subject: str,
    body: str,
    raw: bytes,
    author: str,
    now: datetime,
    not_before: datetime | None = None,
    state: str = "pending",
) -> int:
    """Store one outgoing mail (call inside the transaction that decided to send it)."""
    result = await conn.execute(
        insert(outbox)
        .values(
            ticket_id=ticket_id,
            decision_id=decision_id,
            message_id=message_id,
            mail_from=mail_from,
            rcpt_to=rcpt_to,
            subject=subject,
            body=body,
            raw=raw,
            author=author,
            state=state,
            not_before=not_before or now,
            created_at=now,
        )
        .returning(outbox.c.id)
    )
    return int(result.scalar_one())


def backoff(attempts: int) -> timedelta:
    """Wait before retry ``attempts``: 30 s, 1 min, 2 min, ... capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


SentHook = Any  # async (conn, entry, now) -> None; records the reply on its ticket
FailedHook = Any  # async (conn, entry, reason, now) -> None; hands the ticket to a human


class OutboxSender:
    """Claims due entries and delivers each exactly once."""

    def __init__(
        self,
        store: Store,
        transport: Transport,
        clock: Clock,
        *,
        worker: str,
        max_attempts: int = 8,
        on_sent: SentHook,
        on_failed: FailedHook,
    ) -> None:
        self.store = store
        self.transport = transport
        self.clock = clock
        self.worker = worker
        self.max_attempts = max_attempts
        self.on_sent = on_sent
        self.on_failed = on_failed

    async def send_due(self, limit: int = 50) -> int:
        """Deliver every due entry (up to ``limit``); returns how many were sent."""
        now = self.clock.now()
        rows = await self.store.claim(
            outbox,
            (outbox.c.state == "pending") & (outbox.c.not_before <= now),
            worker=self.worker,
            now=now,
            lease=LEASE,
            limit=limit,
        )
        sent = 0
        for row in rows:
            entry = OutboxEntry(
                row.id,
                row.ticket_id,
                row.message_id,
                row.mail_from,
                list(row.rcpt_to),
                row.raw,
                row.author,
                row.attempts,
            )
            sent += await self._send_one(entry)
        return sent

    async def _send_one(self, entry: OutboxEntry) -> bool:
        if entry.attempts > 1 and await self.transport.already_delivered(entry):
            log.info(kv("outbox.already_delivered", entry=entry.id, message_id=entry.message_id))
            await self._mark_sent(entry)
            return True
        try:
            await self.transport.deliver(entry)
        except PermanentSendError as exc:
            log.warning(kv("outbox.refused", entry=entry.id, error=str(exc)))
            await self._mark_failed(entry, str(exc))
            return False
        except OutboxError as exc:
            if entry.attempts >= self.max_attempts:
                log.warning(
                    kv("outbox.gave_up", entry=entry.id, attempts=entry.attempts, error=str(exc))
                )
                await self._mark_failed(entry, f"gave up after {entry.attempts} attempts: {exc}")
                return False
            retry_at = self.clock.now() + backoff(entry.attempts)
            log.info(
                kv(
                    "outbox.retry",
                    entry=entry.id,
                    attempts=entry.attempts,
                    retry_at=retry_at.isoformat(),
                    error=str(exc),
                )
            )
            async with self.store.begin() as conn:
                await conn.execute(
                    update(outbox)
                    .where(outbox.c.id == entry.id, outbox.c.claimed_by == self.worker)
                    .values(
                        not_before=retry_at,
                        last_error=str(exc),
                        claimed_by=None,
                        claimed_until=None,
                    )
                )
            return False
        await self._mark_sent(entry)
        return True

    async def _mark_sent(self, entry: OutboxEntry) -> None:
        now = self.clock.now()
        async with self.store.begin() as conn:
            done = await conn.execute(
                update(outbox)
                .where(outbox.c.id == entry.id, outbox.c.state == "pending")
                .values(
                    state="sent", sent_at=now, claimed_by=None, claimed_until=None, last_error=None
                )
            )
            if done.rowcount:
                await self.on_sent(conn, entry, now)
        log.info(
            kv("outbox.sent", entry=entry.id, ticket=entry.ticket_id, message_id=entry.message_id)
        )

    async def _mark_failed(self, entry: OutboxEntry, reason: str) -> None:
        now = self.clock.now()
        async with self.store.begin() as conn:
            await conn.execute(
                update(outbox)
                .where(outbox.c.id == entry.id)
                .values(state="failed", last_error=reason, claimed_by=None, claimed_until=None)
            )
            await self.on_failed(conn, entry, reason, now)


async def pending_count(conn: AsyncConnection) -> int:
    """Entries still waiting to leave (for ``run --once`` and the demo)."""
    rows = await conn.execute(select(outbox.c.id).where(outbox.c.state.in_(("pending", "held"))))
    return len(rows.all())
