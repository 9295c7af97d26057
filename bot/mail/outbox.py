"""The transactional outbox: replies are stored with their Message-ID, then delivered once.

An entry is written in the same transaction as the decision that wants it. A sender claims
due entries from the store, hands them to the transport, and records the result. An entry
that was claimed before (its process died mid-send) is first checked with the transport's
``already_delivered`` so that a mail the server accepted is not sent a second time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn, Protocol

import aiosmtplib
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Clock
from bot.config import MailboxSettings, OutboxSettings
from bot.errors import MailboxError, OutboxError, PermanentSendError
from bot.logs import kv
from bot.mail.sent import SentFolder
from bot.store import Store
from bot.store.schema import mailboxes, outbox, tickets

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
    mailbox: str | None = None  # the name of the mailbox the ticket came in on
    subject: str | None = None  # as stored (None: not loaded; the sent hook reads it then)
    body: str | None = None
    # Set on an entry handed to the sender by the process that wrote it already claimed:
    # when its lease runs out (the store may give it to another worker then).
    claimed_until: datetime | None = None


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


# A bare ASCII addr-spec (dot-atom local part): safe on an SMTP command line as it is.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9.-]{1,253}")


def _wire_size(raw: bytes) -> int:
    """The octets of ``raw`` as DATA carries them (CRLF line ends, a final CRLF; RFC 1870)."""
    # Counted, not rewritten: a lone CR or LF becomes CRLF (one more octet each), a CRLF stays.
    pairs = raw.count(b"\r\n")
    size = len(raw) + (raw.count(b"\r") - pairs) + (raw.count(b"\n") - pairs)
    return size if raw.endswith((b"\n", b"\r")) else size + 2


async def _transaction(
    client: aiosmtplib.SMTP, mail_from: str, rcpt_to: Sequence[str], raw: bytes
) -> None:
    """One mail transaction (MAIL, RCPT, DATA) for addresses that need no quoting.

    What ``sendmail`` sends for such addresses, without its address parsing (the stdlib's
    parser, run twice per address, was a third of the client's CPU per mail); errors are
    aiosmtplib's own. The caller drops the connection after any error, so no RSET is needed.
    """
    if client.is_ehlo_or_helo_needed:
        try:
            await client.ehlo()
        except aiosmtplib.SMTPHeloError:
            await client.helo()
    options = [f"SIZE={_wire_size(raw)}".encode()] if client.supports_extension("size") else []
    response = await client.execute_command(b"MAIL", f"FROM:<{mail_from}>".encode(), *options)
    if response.code != aiosmtplib.SMTPStatus.completed:
        raise aiosmtplib.SMTPSenderRefused(response.code, response.message, mail_from)
    refused = []
    for address in rcpt_to:
        response = await client.execute_command(b"RCPT", f"TO:<{address}>".encode())
        if response.code not in (
            aiosmtplib.SMTPStatus.completed,
            aiosmtplib.SMTPStatus.will_forward,
        ):
            refused.append(
                aiosmtplib.SMTPRecipientRefused(response.code, response.message, address)
            )
    if len(refused) == len(rcpt_to):
        raise aiosmtplib.SMTPRecipientsRefused(refused)
    await client.data(raw)


def _failed(slot: _Slot, exc: BaseException) -> NoReturn:
    """Drop the slot's connection and raise what a failed SMTP step means for the mail."""
    slot.drop()
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        if all(500 <= c < 600 for c in codes):
            raise PermanentSendError(
                f"recipients refused: {'; '.join(str(r) for r in exc.recipients)}"
            ) from exc
        raise OutboxError(f"recipients refused for now: {exc}") from exc
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        if 500 <= exc.code < 600:
            raise PermanentSendError(f"{exc.code} {exc.message}") from exc
        raise OutboxError(f"{exc.code} {exc.message}") from exc
    raise OutboxError(f"{type(exc).__name__}: {exc}") from exc


@dataclass
class _Slot:
    """One SMTP connection of the transport's pool (``client`` None: not open now)."""

    client: aiosmtplib.SMTP | None = None
    last_used: float = 0.0
    retired: bool = False  # taken out of the pool (the server would not have it)

    def drop(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()


class SmtpTransport:
    """Sends through an SMTP server with aiosmtplib (SMTPS, STARTTLS, or plain on loopback).

    Connections are reused for consecutive sends (checked with NOOP when idle for a while).
    A few replies share one connection; when many wait, up to ``settings.connections`` are opened
    and used side by side. An SMTP transaction is a series of round trips, and a process
    that is also deciding mail gets back to a waiting conversation only between two steps of
    its other work: several conversations move on at each such point. Each accepted mail is
    filed right away in the mailbox's Sent folder over IMAP (with the copies of the mails
    being sent beside it: see :class:`SentFolder`); that copy is what
    :meth:`already_delivered` looks for after a crash.
    """

    IDLE_CHECK_SECONDS = 5.0
    WAITING_PER_CONNECTION = 4  # deliveries waiting for each open connection before another

    def __init__(
        self, settings: OutboxSettings, sent_folders: Mapping[str, SentFolder] | None = None
    ) -> None:
        self.settings = settings
        self.sent_folders = dict(sent_folders or {})
        self._slots: list[_Slot] = []  # every connection slot, in use or not
        # At most this many; lowered when the server refuses one more connection than it
        # has open (relays often limit each client to a few).
        self._limit = settings.connections
        self._free: asyncio.Queue[_Slot] = asyncio.Queue()  # slots nobody is using
        self._waiting = 0  # deliveries waiting for a free slot

    def sent_folder(self, entry: OutboxEntry) -> SentFolder | None:
        """Where the copy of ``entry`` is filed: its mailbox's Sent folder, else the first one."""
        if entry.mailbox and entry.mailbox in self.sent_folders:
            return self.sent_folders[entry.mailbox]
        return next(iter(self.sent_folders.values()), None)

    async def _acquire(self) -> _Slot:
        """A free connection slot; a new one when none is free and enough deliveries wait."""
        if (
            self._free.empty()
            and len(self._slots) < self._limit
            and self._waiting >= len(self._slots) * self.WAITING_PER_CONNECTION
        ):
            slot = _Slot()
            self._slots.append(slot)
            return slot
        self._waiting += 1
        try:
            return await self._free.get()
        finally:
            self._waiting -= 1

    async def _connected(self, slot: _Slot) -> aiosmtplib.SMTP:
        client = slot.client
        if client is not None and client.is_connected:
            if time.monotonic() - slot.last_used < self.IDLE_CHECK_SECONDS:
                return client
            try:
                await client.noop()
                return client
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                slot.drop()  # the server let the idle connection go; open a new one
        s = self.settings
        client = aiosmtplib.SMTP(
            hostname=s.host,
            port=s.port,
            timeout=s.timeout,
            use_tls=s.scheme == "smtps",
            start_tls=s.scheme == "smtp+starttls",
            tls_context=tls_context(s.ca_file) if s.scheme != "smtp" else None,
            username=s.username or None,
            password=(s.password or "") if s.username else None,
        )
        await client.connect()
        slot.client = client
        return client

    async def deliver(self, entry: OutboxEntry) -> None:
        """Send over a pooled connection, then file the copy in Sent (before returning)."""
        folder = self.sent_folder(entry)
        if folder is not None:
            folder.announce()  # copies filed meanwhile may wait a moment to go with this one
        try:
            slot = await self._acquire()
            try:
                await self._send(slot, entry)
                slot.last_used = time.monotonic()
            except BaseException:
                slot.drop()  # cancelled mid-transaction, say: never reuse a half conversation
                raise
            finally:
                if not slot.retired:
                    self._free.put_nowait(slot)
        except BaseException:
            if folder is not None:
                folder.withdraw()
            raise
        # The connection is free again: the next mail goes out while this copy is filed.
        await self._file_copy(entry, folder)

    async def _send(self, slot: _Slot, entry: OutboxEntry) -> None:
        try:
            client = await self._connected(slot)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            others = len(self._slots) - 1  # connections open, or being opened, beside it
            if not others:
                _failed(slot, exc)
            # Refused beside other connections (a relay's limit per client: "421 too many
            # connections", or even a 5xx): not the mail's fault. Open no more connections
            # than are left; this mail waits for its retry.
            slot.drop()
            slot.retired = True
            self._slots.remove(slot)
            self._limit = min(self._limit, others)
            log.warning(
                kv(
                    "outbox.connection_refused",
                    connections=self._limit,
                    error=f"{type(exc).__name__}: {exc}"[:200],
                )
            )
            raise OutboxError(f"connection refused beside {others} others: {exc}") from exc
        try:
            if all(_PLAIN_ADDRESS.fullmatch(a) for a in (entry.mail_from, *entry.rcpt_to)):
                await _transaction(client, entry.mail_from, entry.rcpt_to, entry.raw)
            else:  # quoting, SMTPUTF8 and the like: aiosmtplib's full path
                await client.sendmail(entry.mail_from, entry.rcpt_to, entry.raw)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            _failed(slot, exc)

    async def _file_copy(self, entry: OutboxEntry, folder: SentFolder | None) -> None:
        """File the accepted mail in Sent; a failure here must not make the mail go out twice."""
        if folder is None:
            return
        try:
            await folder.file(entry.raw, announced=True)
        except MailboxError as exc:
            log.warning(
                kv(
                    "outbox.sent_copy_failed",
                    entry=entry.id,
                    mailbox=folder.mailbox.name,
                    error=str(exc),
                )
            )

    async def already_delivered(self, entry: OutboxEntry) -> bool:
        """Whether the Sent folder holds this Message-ID (no Sent folder: cannot tell, False)."""
        folder = self.sent_folder(entry)
        if folder is None:
            return False
        try:
            return await folder.holds(entry.message_id)
        except MailboxError as exc:
            # Sending without knowing could send twice: retry later instead.
            raise OutboxError(f"cannot check the Sent folder: {exc}") from exc

    async def close(self) -> None:
        """QUIT the SMTP connections and log out of the Sent folders."""
        for slot in list(self._slots):
            client, slot.client = slot.client, None
            if client is not None and client.is_connected:
                try:
                    await asyncio.wait_for(client.quit(), 2)
                except (aiosmtplib.SMTPException, OSError, TimeoutError):
                    client.close()
        for folder in self.sent_folders.values():
            await folder.close()


def make_transport(
    settings: OutboxSettings, mailboxes: Sequence[MailboxSettings] = ()
) -> Transport:
    """The transport for the configured outbox (SMTP files copies in IMAP Sent folders)."""
    if settings.scheme == "files":
        assert settings.path is not None
        return FilesTransport(settings.path)
    if settings.scheme == "maildir":
        assert settings.path is not None
        return MaildirTransport(settings.path)
    sent = {
        m.name: SentFolder(m) for m in mailboxes if m.scheme in ("imap", "imaps") and m.sent_folder
    }
    return SmtpTransport(settings, sent)


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


# An entry's SMTP conversation starts only while more than this much of its lease is left,
# whether it was claimed or handed over in memory: one queued behind slow sends, or handed
# over long ago, could otherwise start after its lease ran out, when another worker may have
# claimed it and sent it already. (One send, bounded by the SMTP and IMAP timeouts, takes far
# less.) Otherwise it is released unsent, due again at once.
MIN_LEASE_TO_SEND = LEASE / 2

SentHook = Any  # async (conn, entries, now) -> None; records the replies on their tickets
FailedHook = Any  # async (conn, entry, reason, now) -> None; hands the ticket to a human


@dataclass(frozen=True)
class Attempt:
    """How one delivery attempt ended: sent | already | retry | failed | gave_up | released."""

    entry: OutboxEntry
    result: str
    error: str | None = None


class OutboxSender:
    """Claims due entries and delivers each exactly once.

    The entries of one claim are delivered concurrently (the transport serialises what must
    be serial, e.g. one SMTP connection, and can group the rest, e.g. Sent-folder copies), and
    their results are recorded in one transaction. A crash before that commit is safe: the
    next holder asks the transport whether each entry already left.
    """

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
        concurrency: int = 50,
    ) -> None:
        self.store = store
        self.transport = transport
        self.clock = clock
        self.worker = worker
        self.max_attempts = max_attempts
        self.on_sent = on_sent
        self.on_failed = on_failed
        self.concurrency = concurrency

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
        if not rows:
            return 0
        names = await self._mailbox_names({r.ticket_id for r in rows if r.ticket_id is not None})
        entries = [
            OutboxEntry(
                row.id,
                row.ticket_id,
                row.message_id,
                row.mail_from,
                list(row.rcpt_to),
                row.raw,
                row.author,
                row.attempts,
                names.get(row.ticket_id),
                row.subject,
                row.body,
                claimed_until=now + LEASE,
            )
            for row in rows
        ]
        return await self._deliver(entries)

    async def send_claimed(self, entries: Sequence[OutboxEntry]) -> int:
        """Deliver entries this worker already holds (written claimed, handed over in memory).

        Like any claimed entry, one whose lease is close to running out is released instead
        of sent (see :data:`MIN_LEASE_TO_SEND`); the next claim takes it from the store, with
        the check for a copy that already left.
        """
        return await self._deliver(list(entries)) if entries else 0

    async def release(self, entries: Sequence[OutboxEntry]) -> None:
        """Give entries this worker holds back to the store unsent (due again at once)."""
        if not entries:
            return
        async with self.store.writing() as conn:
            await conn.execute(
                update(outbox)
                .where(
                    outbox.c.id.in_([e.id for e in entries]),
                    outbox.c.claimed_by == self.worker,
                    outbox.c.state == "pending",
                )
                .values(claimed_by=None, claimed_until=None)
            )

    async def _deliver(self, entries: list[OutboxEntry]) -> int:
        """Attempt every entry of one claim, then record the results together."""
        gate = asyncio.Semaphore(self.concurrency)

        async def attempt(entry: OutboxEntry) -> Attempt:
            async with gate:
                return await self._attempt(entry)

        attempts = await asyncio.gather(*(attempt(e) for e in entries))
        await self._record(attempts)
        return sum(a.result in ("sent", "already") for a in attempts)

    async def _mailbox_names(self, ticket_ids: set[int]) -> dict[int, str]:
        """Ticket id → the name of the mailbox it came in on (for the Sent folder)."""
        if not ticket_ids:
            return {}
        async with self.store.connect() as conn:
            rows = await conn.execute(
                select(tickets.c.id, mailboxes.c.name)
                .join(mailboxes, mailboxes.c.id == tickets.c.mailbox_id)
                .where(tickets.c.id.in_(ticket_ids))
            )
            return {int(r.id): str(r.name) for r in rows}

    async def _attempt(self, entry: OutboxEntry) -> Attempt:
        until = entry.claimed_until
        if until is not None and until - self.clock.now() <= MIN_LEASE_TO_SEND:
            return Attempt(entry, "released", "lease nearly over before its turn to send")
        try:
            # Claimed before: the last holder may have died after the server accepted it.
            if entry.attempts > 1 and await self.transport.already_delivered(entry):
                return Attempt(entry, "already")
            await self.transport.deliver(entry)
        except PermanentSendError as exc:
            return Attempt(entry, "failed", str(exc))
        except OutboxError as exc:
            if entry.attempts >= self.max_attempts:
                return Attempt(entry, "gave_up", f"gave up after {entry.attempts} attempts: {exc}")
            return Attempt(entry, "retry", str(exc))
        except Exception as exc:  # a bug must not lose the others' results
            log.exception(kv("outbox.error", entry=entry.id, error=type(exc).__name__))
            return Attempt(entry, "retry", f"{type(exc).__name__}: {exc}")
        return Attempt(entry, "sent")

    async def _record(self, attempts: list[Attempt]) -> None:
        """Write every result of one claim in one transaction, then log them."""
        now = self.clock.now()
        left = [a.entry for a in attempts if a.result in ("sent", "already")]
        async with self.store.writing() as conn:
            if left:
                done = await conn.execute(
                    update(outbox)
                    .where(outbox.c.id.in_([e.id for e in left]), outbox.c.state == "pending")
                    .values(
                        state="sent",
                        sent_at=now,
                        claimed_by=None,
                        claimed_until=None,
                        last_error=None,
                    )
                    .returning(outbox.c.id)
                )
                recorded = {int(i) for i in done.scalars()}
                # Only entries this claim moved to "sent" join their tickets (never twice).
                await self.on_sent(conn, [e for e in left if e.id in recorded], now)
            for a in attempts:
                entry = a.entry
                if a.result in ("sent", "already"):
                    continue
                # Only while this worker still holds it: past its lease another may have it.
                held = (
                    (outbox.c.id == entry.id)
                    & (outbox.c.claimed_by == self.worker)
                    & (outbox.c.state == "pending")
                )
                if a.result == "released":
                    # Not attempted: due again at once, for whoever claims it next.
                    await conn.execute(
                        update(outbox).where(held).values(claimed_by=None, claimed_until=None)
                    )
                elif a.result == "retry":
                    await conn.execute(
                        update(outbox)
                        .where(held)
                        .values(
                            not_before=now + backoff(entry.attempts),
                            last_error=a.error,
                            claimed_by=None,
                            claimed_until=None,
                        )
                    )
                else:
                    reason = a.error or "refused"
                    failed = await conn.execute(
                        update(outbox)
                        .where(held)
                        .values(
                            state="failed", last_error=reason, claimed_by=None, claimed_until=None
                        )
                        .returning(outbox.c.id)
                    )
                    if failed.first() is not None:
                        await self.on_failed(conn, entry, reason, now)
        info = log.isEnabledFor(logging.INFO)  # a line per mail is built only to be logged
        for a in attempts:
            entry = a.entry
            if a.result in ("failed", "gave_up"):
                event = "outbox.refused" if a.result == "failed" else "outbox.gave_up"
                log.warning(kv(event, entry=entry.id, attempts=entry.attempts, error=a.error))
            elif not info:
                continue
            elif a.result == "already":
                log.info(
                    kv("outbox.already_delivered", entry=entry.id, message_id=entry.message_id)
                )
            elif a.result == "sent":
                log.info(
                    kv(
                        "outbox.sent",
                        entry=entry.id,
                        ticket=entry.ticket_id,
                        message_id=entry.message_id,
                    )
                )
            elif a.result == "released":
                log.info(kv("outbox.released", entry=entry.id, reason=a.error))
            elif a.result == "retry":
                log.info(
                    kv(
                        "outbox.retry",
                        entry=entry.id,
                        attempts=entry.attempts,
                        retry_at=(now + backoff(entry.attempts)).isoformat(),
                        error=a.error,
                    )
                )


async def pending_count(conn: AsyncConnection) -> int:
    """Entries still waiting to leave (for ``run --once`` and the demo)."""
    rows = await conn.execute(select(outbox.c.id).where(outbox.c.state.in_(("pending", "held"))))
    return len(rows.all())
