"""The shop's Sent folder over IMAP: a copy of every reply, and the proof that it left.

The SMTP transport files each reply here right after the server accepted it. After a crash,
before an entry is sent again, the outbox asks :meth:`SentFolder.holds` whether its
Message-ID is already here; if so the mail left and is not sent a second time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeAlias, TypeVar

import aioimaplib

from bot.config import MailboxSettings
from bot.errors import MailboxError
from bot.mail.imap_connection import ImapConnection

T = TypeVar("T")
# A copy waiting to be filed: the mail, the future its sender awaits, the loop time it came.
_Copy: TypeAlias = tuple[bytes, asyncio.Future[None], float]


class SentFolder:
    """One mailbox's Sent folder, reached over its own IMAP connection (opened when needed)."""

    MAX_GROUP = 100
    MAX_GROUP_BYTES = 16 * 1024 * 1024
    # While more copies are on their way (their mails are being sent), the oldest copy
    # waiting waits at most this long (beyond an APPEND already in flight) before its group
    # goes, so that a backlog is filed in groups of ten or more: each APPEND costs a Dovecot
    # with Maildir ~0.6 ms of CPU whatever it holds, and one copy per APPEND doubled the CPU
    # the mail server spent per reply. A copy nobody else is expected to join goes at once.
    LINGER_SECONDS = 0.015
    ENOUGH = 25  # copies waiting that go out without waiting for more

    def __init__(self, mailbox: MailboxSettings) -> None:
        if not mailbox.sent_folder or mailbox.scheme not in ("imap", "imaps"):
            raise ValueError(f"mailbox {mailbox.name} has no IMAP Sent folder")
        self.mailbox = mailbox
        self.folder: str = mailbox.sent_folder
        self._connection: ImapConnection | None = None
        self._lock = asyncio.Lock()
        # Copies wait here (with the loop time they came) while an APPEND is in flight, and
        # then go out together.
        self._waiting: list[_Copy] = []
        self._filer: asyncio.Task[None] | None = None
        self._coming = 0  # copies announced (their mail is being sent), not yet filed
        self._arrival: asyncio.Future[None] | None = None  # the filer waiting for a change

    async def _with_connection(self, action: Callable[[ImapConnection], Awaitable[T]]) -> T:
        """Run ``action`` on a live connection, once more on a fresh one if the old one died."""
        async with self._lock:
            for attempt in (1, 2):
                fresh = self._connection is None or not self._connection.usable
                if fresh:
                    await self._drop()
                    connection = ImapConnection(self.mailbox)
                    await connection.open()
                    self._connection = connection
                assert self._connection is not None
                try:
                    return await action(self._connection)
                except MailboxError:
                    usable = self._connection.usable
                    await self._drop()
                    if fresh or attempt == 2 or usable:
                        raise  # a refusal, or a new connection failing: no point retrying
            raise AssertionError("unreachable")

    def announce(self) -> None:
        """A copy will follow (its mail is being sent): copies filed meanwhile may wait for it.

        Every announcement is ended by :meth:`file` (``announced=True``) or :meth:`withdraw`.
        """
        self._coming += 1

    def withdraw(self) -> None:
        """The announced copy will not come (its mail was not accepted)."""
        self._coming = max(0, self._coming - 1)
        self._changed()

    def _changed(self) -> None:
        if self._arrival is not None and not self._arrival.done():
            self._arrival.set_result(None)

    async def file(self, raw: bytes, *, announced: bool = False) -> None:
        """File a sent mail (marked \\Seen); returns once the server has stored it.

        Copies filed while another APPEND is in flight are stored together in the next one
        (MULTIAPPEND), so many concurrent senders cost the server few round trips; while
        announced copies are still on their way, a group waits a moment for them.
        """
        if announced:
            self.withdraw()  # the announcement ends here: the copy came
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._waiting.append((raw, done, loop.time()))
        self._changed()
        if self._filer is None or self._filer.done():
            self._filer = asyncio.create_task(self._file_waiting())
        await done

    async def _gather_more(self) -> None:
        """Wait while copies are on their way, until enough wait or the oldest waited long."""
        loop = asyncio.get_running_loop()
        deadline = self._waiting[0][2] + self.LINGER_SECONDS
        while self._coming > 0 and len(self._waiting) < self.ENOUGH:
            left = deadline - loop.time()
            if left <= 0:
                return
            self._arrival = loop.create_future()
            try:
                await asyncio.wait([self._arrival], timeout=left)
            finally:
                self._arrival = None

    async def _file_waiting(self) -> None:
        group: list[_Copy] = []
        try:
            while self._waiting:
                await self._gather_more()
                group, size = [], 0
                while self._waiting and len(group) < self.MAX_GROUP:
                    raw = self._waiting[0][0]
                    if group and size + len(raw) > self.MAX_GROUP_BYTES:
                        break
                    group.append(self._waiting.pop(0))
                    size += len(raw)
                raws = [raw for raw, _, _ in group]

                async def put(connection: ImapConnection, raws: list[bytes] = raws) -> None:
                    await connection.append_many(self.folder, raws)

                try:
                    await self._with_connection(put)
                except Exception as exc:
                    _settle(group, exc if isinstance(exc, MailboxError) else MailboxError(str(exc)))
                    continue
                _settle(group, None)
        except BaseException:  # cancelled, say: nobody may wait for a filer that is gone
            _settle(group + self._waiting, MailboxError("filing in Sent was stopped"))
            self._waiting.clear()
            raise

    async def holds(self, message_id: str) -> bool:
        """Whether a mail with this Message-ID is in the Sent folder (UID SEARCH HEADER)."""

        async def search(connection: ImapConnection) -> bool:
            try:
                await connection.select(self.folder)
            except MailboxError:
                if not connection.usable:
                    raise
                # The server refused SELECT: a Sent folder that does not exist holds nothing.
                await connection.create(self.folder)
                return False
            found = await connection.search("HEADER", "Message-ID", aioimaplib.quoted(message_id))
            return bool(found)

        return await self._with_connection(search)

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()

    async def close(self) -> None:
        """Finish filing what waits, then log out (a cancelled close lets the filing finish)."""
        if self._filer is not None:
            await asyncio.gather(asyncio.shield(self._filer), return_exceptions=True)
        async with self._lock:
            await self._drop()


def _settle(copies: list[_Copy], error: BaseException | None) -> None:
    """Tell everyone waiting for these copies how it went."""
    for _, done, _ in copies:
        if not done.done():
            if error is None:
                done.set_result(None)
            else:
                done.set_exception(error)
