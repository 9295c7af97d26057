"""The shop's Sent folder over IMAP: a copy of every reply, and the proof that it left.

The SMTP transport files each reply here right after the server accepted it. After a crash,
before an entry is sent again, the outbox asks :meth:`SentFolder.holds` whether its
Message-ID is already here; if so the mail left and is not sent a second time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

import aioimaplib

from bot.config import MailboxSettings
from bot.errors import MailboxError
from bot.mail.imap_connection import ImapConnection

T = TypeVar("T")


class SentFolder:
    """One mailbox's Sent folder, reached over its own IMAP connection (opened when needed)."""

    def __init__(self, mailbox: MailboxSettings) -> None:
        if not mailbox.sent_folder or mailbox.scheme not in ("imap", "imaps"):
            raise ValueError(f"mailbox {mailbox.name} has no IMAP Sent folder")
        self.mailbox = mailbox
        self.folder: str = mailbox.sent_folder
        self._connection: ImapConnection | None = None
        self._lock = asyncio.Lock()

    async def _with_connection(self, action: Callable[[ImapConnection], Awaitable[T]]) -> T:
        """Run ``action`` on a live connection, once more on a fresh one if the old one died."""
        async with self._lock:
            for attempt in (1, 2):
                fresh = self._connection is None or not self._connection.usable
                if fresh:
                    await self._drop()
                    connection = ImapConnection(self.mailbox)
                    try:
                        await connection.open()
                    except BaseException:
                        await connection.close()
                        raise
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

    async def file(self, raw: bytes, when: datetime | None = None) -> int | None:
        """APPEND a sent mail (marked \\Seen); the new UID when the server tells it."""
        return await self._with_connection(
            lambda c: c.append(self.folder, raw, flags="\\Seen", when=when)
        )

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
        """Log out."""
        async with self._lock:
            await self._drop()
