"""IMAP ingest: one watcher per mailbox, IDLE for push, a UID checkpoint in the store.

The checkpoint is (UIDVALIDITY, last UID) on the mailbox's row. After every (re)connect the
watcher first fetches every UID above it (backfill), in batches, and commits each batch's raw
bytes together with the new checkpoint, so nothing delivered while it was away is missed and
nothing is stored twice. Then it IDLEs; each change, and each IDLE renewal, runs the same sync.

The folder is opened with EXAMINE (read-only) and mail is read with ``BODY.PEEK[]``: the
watcher never sets or reads ``\\Seen`` (or any flag), because people read the mailbox too.

Safe defaults when there is no usable checkpoint:

* first connect: only mail whose INTERNALDATE is within ``first_sync_days`` (default 3) is
  stored and answered; older mail only sets the checkpoint, so a new deployment never answers
  a year-old mailbox. The checkpoint is written when this first sync completes; a crash before
  that repeats it, and the store ignores the mails it already holds.
* UIDVALIDITY changed (the folder was rebuilt): every UID is new to us, so the watcher stores
  mail since the earlier of that horizon and a day before its last checkpoint (nothing that
  arrived while it was away is skipped), under the new UIDVALIDITY. The pipeline finds each
  one it has seen before by Message-ID or content hash and marks it ``duplicate``: nothing old
  is answered again.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Clock, pause
from bot.config import MailboxSettings
from bot.errors import MailboxAuthError, MailboxError
from bot.logs import kv
from bot.mail.imap_connection import ImapConnection, MailSize, imap_date
from bot.mail.ingest import RawMail, store_raws
from bot.store import Store
from bot.store.schema import mailboxes

log = logging.getLogger(__name__)

# aioimaplib hangs on huge FETCH ranges, and scans the whole FETCH response received so far at
# every line it reads: its CPU per mail grows with the batch. 50 mails per FETCH take about half
# the client CPU per mail of 200 (measured on a 2,000-mail backlog), for a round trip per 50.
BATCH_UIDS = 50
BATCH_BYTES = 32 * 1024 * 1024  # keep one batch's mails comfortably in memory
RESYNC_MARGIN = timedelta(days=1)


@dataclass(frozen=True)
class Checkpoint:
    """Where the watcher stopped: everything up to ``last_uid`` under ``uidvalidity`` is stored."""

    uidvalidity: int | None
    last_uid: int | None
    updated_at: datetime | None


def plan_batches(
    sizes: Sequence[MailSize], max_uids: int = BATCH_UIDS, max_bytes: int = BATCH_BYTES
) -> list[list[MailSize]]:
    """Split mails (ascending UIDs) into FETCH batches of at most ``max_uids`` and ``max_bytes``."""
    batches: list[list[MailSize]] = []
    current: list[MailSize] = []
    weight = 0
    for item in sizes:
        if current and (len(current) >= max_uids or weight + item.size > max_bytes):
            batches.append(current)
            current, weight = [], 0
        current.append(item)
        weight += item.size
    if current:
        batches.append(current)
    return batches


def reconnect_wait(attempt: int, *, base: float, cap: float) -> float:
    """Exponential backoff with a little jitter: base, 2·base, 4·base, ... up to ``cap``."""
    wait = min(base * 2 ** max(attempt - 1, 0), cap)
    return round(wait * random.uniform(0.9, 1.1), 2)


class ImapWatcher:
    """Keeps one IMAP folder's new mail flowing into the store."""

    def __init__(
        self,
        store: Store,
        mailbox: MailboxSettings,
        mailbox_id: int,
        clock: Clock,
        on_new: Callable[[], None] | None = None,
        *,
        idle_seconds: float | None = None,
        first_sync_days: float | None = None,
        backoff_base: float = 1.0,
        backoff_cap: float = 300.0,
        auth_backoff_cap: float = 1800.0,
        batch_uids: int = BATCH_UIDS,
    ) -> None:
        self.store = store
        self.mailbox = mailbox
        self.mailbox_id = mailbox_id
        self.clock = clock
        self.on_new = on_new
        self.idle_seconds = idle_seconds if idle_seconds is not None else mailbox.idle_seconds
        self.first_sync_days = (
            first_sync_days if first_sync_days is not None else mailbox.first_sync_days
        )
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.auth_backoff_cap = auth_backoff_cap
        self.batch_uids = batch_uids
        self.connection: ImapConnection | None = None
        self.connects = 0  # how many times a connection was opened (logged; tests read it)

    # --- one sync ----------------------------------------------------------------------------

    async def scan(self) -> int:
        """Connect if needed, store every mail above the checkpoint; returns how many were stored.

        Raises :class:`MailboxAuthError` for refused credentials, :class:`MailboxError` when
        the server cannot be used; the connection is dropped then and reopened next time.
        """
        try:
            connection = await self._connected()
            return await self._sync_settled(connection)
        except MailboxError:
            await self.close()
            raise

    async def _connected(self) -> ImapConnection:
        if self.connection is not None and self.connection.usable:
            return self.connection
        await self.close()
        connection = ImapConnection(self.mailbox)
        await connection.open()
        self.connection = connection
        self.connects += 1
        log.info(
            kv(
                "imap.connected",
                mailbox=self.mailbox.name,
                idle=connection.idle_supported,
                connects=self.connects,
            )
        )
        return connection

    async def close(self) -> None:
        """Log out and drop the connection (the next scan opens a new one)."""
        connection, self.connection = self.connection, None
        if connection is not None:
            await connection.close()

    async def checkpoint(self) -> Checkpoint:
        """The stored (UIDVALIDITY, last UID) of this mailbox."""
        async with self.store.connect() as conn:
            row = (
                await conn.execute(
                    select(
                        mailboxes.c.uidvalidity, mailboxes.c.last_uid, mailboxes.c.updated_at
                    ).where(mailboxes.c.id == self.mailbox_id)
                )
            ).first()
        if row is None:
            return Checkpoint(None, None, None)
        return Checkpoint(row.uidvalidity, row.last_uid, row.updated_at)

    async def _sync_settled(self, connection: ImapConnection) -> int:
        """Sync until a fresh look finds nothing new; returns how many mails were stored.

        A mail that arrives while we read is announced (``* N EXISTS``) at the end of whichever
        command is running, where aioimaplib drops it; and the server will not announce it
        again in the IDLE that follows. Only looking again closes that gap.
        """
        total = 0
        while True:
            stored, settled = await self._sync(connection)
            total += stored
            if settled:
                return total

    async def _sync(self, connection: ImapConnection) -> tuple[int, bool]:
        """One look at the folder: (mails stored, whether it had nothing above the checkpoint)."""
        state = await connection.select(self.mailbox.folder, readonly=True)
        saved = await self.checkpoint()
        now = self.clock.now()
        if saved.uidvalidity == state.uidvalidity:
            last = saved.last_uid or 0
            if state.uidnext is not None and state.uidnext <= last + 1:
                return 0, True  # nothing above the checkpoint
            uids = [u for u in await connection.search("UID", f"{last + 1}:*") if u > last]
            if not uids:
                if state.uidnext is None:
                    return 0, True
                # Everything between was expunged before we saw it: step over the gap.
                await self._save_checkpoint(state.uidvalidity, state.uidnext - 1, replace=False)
                return 0, False
            sizes = await self._sizes(connection, uids)
            stored = await self._store(connection, sizes, state.uidvalidity, advance=True)
            return stored, False

        horizon = now - timedelta(days=self.first_sync_days)
        if saved.uidvalidity is None:
            since = horizon
            log.info(
                kv("imap.first_sync", mailbox=self.mailbox.name, since=since.date().isoformat())
            )
        else:
            last_seen = saved.updated_at or now
            since = min(horizon, last_seen - RESYNC_MARGIN)
            log.warning(
                kv(
                    "imap.uidvalidity_changed",
                    mailbox=self.mailbox.name,
                    was=saved.uidvalidity,
                    now=state.uidvalidity,
                    since=since.date().isoformat(),
                )
            )
        # SINCE has day granularity; INTERNALDATE decides exactly.
        candidates = await connection.search("SINCE", imap_date(since - timedelta(days=1)))
        sizes = await self._sizes(connection, candidates)
        wanted = [s for s in sizes if s.internaldate is None or s.internaldate >= since]
        stored = await self._store(connection, wanted, state.uidvalidity, advance=False)
        top = max([(state.uidnext or 1) - 1, *candidates])
        await self._save_checkpoint(state.uidvalidity, top, replace=True)
        log.info(
            kv(
                "imap.synced",
                mailbox=self.mailbox.name,
                uidvalidity=state.uidvalidity,
                last_uid=top,
                stored=stored,
                older_skipped=len(sizes) - len(wanted),
            )
        )
        return stored, False

    async def _sizes(self, connection: ImapConnection, uids: Sequence[int]) -> list[MailSize]:
        found: list[MailSize] = []
        for start in range(0, len(uids), self.batch_uids):
            found.extend(await connection.sizes(uids[start : start + self.batch_uids]))
        return found

    async def _store(
        self,
        connection: ImapConnection,
        sizes: Sequence[MailSize],
        uidvalidity: int,
        *,
        advance: bool,
    ) -> int:
        """Fetch and commit each batch; with ``advance`` the checkpoint moves in the same commit."""
        stored = 0
        for batch in plan_batches(sizes, self.batch_uids):
            mails = await connection.fetch(
                [item.uid for item in batch], expected_bytes=sum(item.size for item in batch)
            )
            now = self.clock.now()
            async with self.store.writing() as conn:
                new_ids = await store_raws(
                    conn,
                    mailbox_id=self.mailbox_id,
                    mails=[
                        RawMail(f"{uidvalidity}:{m.uid}", m.raw, m.uid, uidvalidity) for m in mails
                    ],
                    now=now,
                )
                if advance:
                    await self._advance(conn, uidvalidity, batch[-1].uid, now)
            stored += len(new_ids)
            if new_ids:
                log.info(
                    kv(
                        "imap.stored",
                        mailbox=self.mailbox.name,
                        count=len(new_ids),
                        first_uid=batch[0].uid,
                        last_uid=batch[-1].uid,
                    )
                )
                if self.on_new is not None:
                    self.on_new()
        return stored

    async def _advance(
        self, conn: AsyncConnection, uidvalidity: int, uid: int, now: datetime
    ) -> None:
        # Only forward: two processes watching one mailbox never move it back.
        await conn.execute(
            update(mailboxes)
            .where(
                mailboxes.c.id == self.mailbox_id,
                mailboxes.c.uidvalidity == uidvalidity,
                (mailboxes.c.last_uid.is_(None)) | (mailboxes.c.last_uid < uid),
            )
            .values(last_uid=uid, updated_at=now)
        )

    async def _save_checkpoint(self, uidvalidity: int, uid: int, *, replace: bool) -> None:
        now = self.clock.now()
        async with self.store.begin() as conn:
            if replace:
                await conn.execute(
                    update(mailboxes)
                    .where(mailboxes.c.id == self.mailbox_id)
                    .values(uidvalidity=uidvalidity, last_uid=uid, updated_at=now)
                )
            else:
                await self._advance(conn, uidvalidity, uid, now)

    # --- the long-running loop ---------------------------------------------------------------

    async def run(self, stop: asyncio.Event, poll_seconds: float) -> None:
        """Sync, then IDLE (or poll every ``poll_seconds`` without IDLE) until ``stop`` is set.

        Never raises: a lost or dead connection is replaced with exponential backoff, and a
        refused login is logged as an error and retried slowly, so one broken mailbox never
        stops the others.
        """
        log.info(
            kv(
                "ingest.start",
                mailbox=self.mailbox.name,
                kind=self.mailbox.scheme,
                idle_seconds=self.idle_seconds,
            )
        )
        attempt = 0
        while not stop.is_set():
            try:
                connection = await self._connected()
                await self._sync_settled(connection)
                attempt = 0
                await self._watch(connection, stop, poll_seconds)
            except MailboxAuthError as exc:
                attempt += 1
                wait = reconnect_wait(attempt, base=30.0, cap=self.auth_backoff_cap)
                log.error(
                    kv(
                        "imap.auth_failed",
                        mailbox=self.mailbox.name,
                        attempt=attempt,
                        wait=wait,
                        error=str(exc),
                        fix="check the mailbox's password setting",
                    )
                )
            except Exception as exc:
                attempt += 1
                wait = reconnect_wait(attempt, base=self.backoff_base, cap=self.backoff_cap)
                level = logging.WARNING if isinstance(exc, MailboxError) else logging.ERROR
                log.log(
                    level,
                    kv(
                        "imap.reconnect",
                        mailbox=self.mailbox.name,
                        attempt=attempt,
                        wait=wait,
                        error=f"{type(exc).__name__}: {exc}",
                    ),
                    exc_info=not isinstance(exc, MailboxError),
                )
            else:
                continue
            await self.close()
            await pause(stop, wait)
        await self.close()
        log.info(kv("ingest.stop", mailbox=self.mailbox.name))

    async def _watch(
        self, connection: ImapConnection, stop: asyncio.Event, poll_seconds: float
    ) -> None:
        """IDLE/poll and sync until ``stop``; raises when the connection fails."""
        if not connection.idle_supported:
            log.info(kv("imap.polling", mailbox=self.mailbox.name, every=poll_seconds))
        while not stop.is_set():
            if connection.idle_supported:
                outcome = await connection.idle(self.idle_seconds, stop)
                if outcome == "stopped":
                    return
            else:
                await pause(stop, poll_seconds)
                if stop.is_set():
                    return
            await self._sync_settled(connection)
