"""Ingest: raw bytes into the store before anything else happens.

Every source (Maildir here, IMAP in ``bot.mail.imap``) calls :func:`store_raws`, which is
idempotent: the same (mailbox, source key) is stored once however often it is seen. Nothing
in the mailbox is changed; people read it too.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Clock, pause
from bot.config import MailboxSettings
from bot.logs import kv
from bot.store import Store
from bot.store.schema import mailboxes, raw_mails
from bot.store.sql import insert_ignore, insert_ignoring

log = logging.getLogger(__name__)

_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(<[^>\r\n]{1,990}>)", re.IGNORECASE | re.MULTILINE)


def header_message_id(raw: bytes) -> str | None:
    """The Message-ID found by a cheap scan of the header block (for de-duplication)."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    match = _MESSAGE_ID.search(head)
    return match.group(1).decode("ascii", "replace") if match else None


# Headers each delivery adds or rewrites: the same mail in two mailboxes differs only here.
_TRACE = re.compile(
    rb"^(?:received|return-path|delivered-to|x-original-to|x-delivered-to):", re.IGNORECASE
)


def content_sha256(raw: bytes) -> str:
    """SHA-256 of a mail without its delivery trace headers (for duplicate detection)."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = raw.partition(b"\n\n")
    kept: list[bytes] = []
    skipping = False
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                kept.append(line)
            continue
        skipping = bool(_TRACE.match(line))
        if not skipping:
            kept.append(line)
    return hashlib.sha256(b"".join(kept) + sep + body).hexdigest()


async def ensure_mailbox(store: Store, mailbox: MailboxSettings, now: datetime) -> int:
    """The mailbox's id in the store, registering it on first sight."""
    async with store.begin() as conn:
        await insert_ignore(
            conn,
            mailboxes,
            {"name": mailbox.name, "url": mailbox.url, "created_at": now, "updated_at": now},
            ["name"],
        )
        await conn.execute(
            update(mailboxes).where(mailboxes.c.name == mailbox.name).values(url=mailbox.url)
        )
        return int(
            (
                await conn.execute(select(mailboxes.c.id).where(mailboxes.c.name == mailbox.name))
            ).scalar_one()
        )


@dataclass(frozen=True)
class RawMail:
    """One mail as a source hands it over: where it came from and its bytes."""

    source_key: str
    raw: bytes
    uid: int | None = None
    uidvalidity: int | None = None


async def store_raws(
    conn: AsyncConnection, *, mailbox_id: int, mails: Sequence[RawMail], now: datetime
) -> list[str]:
    """Keep several mails' bytes at once; returns the source keys that were new."""
    if not mails:
        return []
    seen = set(
        (
            await conn.execute(
                select(raw_mails.c.source_key).where(
                    raw_mails.c.mailbox_id == mailbox_id,
                    raw_mails.c.source_key.in_([m.source_key for m in mails]),
                )
            )
        ).scalars()
    )
    fresh = [m for m in dict((m.source_key, m) for m in mails).values() if m.source_key not in seen]
    if not fresh:
        return []
    # Another worker may store the same key between our look and our insert: keep theirs, and
    # count as new only the rows this insert really wrote.
    result = await conn.execute(
        insert_ignoring(conn, raw_mails, ["mailbox_id", "source_key"]).returning(
            raw_mails.c.source_key
        ),
        [_raw_row(mailbox_id, m, now) for m in fresh],
    )
    written = set(result.scalars())
    return [m.source_key for m in fresh if m.source_key in written]


def _raw_row(mailbox_id: int, mail: RawMail, now: datetime) -> dict[str, Any]:
    return {
        "mailbox_id": mailbox_id,
        "source_key": mail.source_key,
        "uid": mail.uid,
        "uidvalidity": mail.uidvalidity,
        "sha256": content_sha256(mail.raw),
        "message_id": header_message_id(mail.raw),
        "raw": mail.raw,
        "size": len(mail.raw),
        "received_at": now,
        "state": "received",
        "attempts": 0,
    }


MAILDIR_BATCH = 200  # files read and stored per transaction


def _read_files(listing: Sequence[tuple[str, Path]]) -> list[RawMail]:
    found = []
    for key, path in listing:
        try:
            found.append(RawMail(key, path.read_bytes()))
        except FileNotFoundError:
            continue  # moved by a mail client between listing and reading; seen next scan
    return found


def maildir_key(filename: str) -> str:
    """The stable part of a Maildir file name (the ``:2,FLAGS`` suffix changes when read)."""
    return filename.split(":", 1)[0].split("!", 1)[0]


class MaildirWatcher:
    """Stores every message of a Maildir (``new/`` and ``cur/``) once, without touching it."""

    def __init__(
        self,
        store: Store,
        mailbox: MailboxSettings,
        mailbox_id: int,
        clock: Clock,
        on_new: Callable[[], None] | None = None,
    ) -> None:
        assert mailbox.path is not None
        self.store = store
        self.mailbox = mailbox
        self.mailbox_id = mailbox_id
        self.clock = clock
        self.on_new = on_new
        self._known: set[str] = set()

    def _listing(self) -> list[tuple[str, Path]]:
        found: list[tuple[str, Path]] = []
        assert self.mailbox.path is not None
        for sub in ("new", "cur"):
            folder = self.mailbox.path / sub
            if not folder.is_dir():
                continue
            for entry in sorted(folder.iterdir()):
                if entry.is_file() and not entry.name.startswith("."):
                    found.append((maildir_key(entry.name), entry))
        return found

    async def scan(self) -> int:
        """Store what is new since the last scan; returns how many mails were stored."""
        if not self._known:
            async with self.store.connect() as conn:
                rows = await conn.execute(
                    select(raw_mails.c.source_key).where(raw_mails.c.mailbox_id == self.mailbox_id)
                )
                self._known = set(rows.scalars().all())
        listing = [
            (k, p) for k, p in await asyncio.to_thread(self._listing) if k not in self._known
        ]
        stored = 0
        for start in range(0, len(listing), MAILDIR_BATCH):
            chunk = await asyncio.to_thread(_read_files, listing[start : start + MAILDIR_BATCH])
            async with self.store.writing() as conn:
                new_keys = await store_raws(
                    conn, mailbox_id=self.mailbox_id, mails=chunk, now=self.clock.now()
                )
            self._known.update(m.source_key for m in chunk)
            stored += len(new_keys)
            if new_keys:
                log.info(kv("ingest.stored", mailbox=self.mailbox.name, count=len(new_keys)))
        if stored and self.on_new:
            self.on_new()
        return stored

    async def run(self, stop: asyncio.Event, poll_seconds: float) -> None:
        """Scan until ``stop`` is set."""
        log.info(
            kv("ingest.start", mailbox=self.mailbox.name, kind="maildir", poll_seconds=poll_seconds)
        )
        while not stop.is_set():
            try:
                await self.scan()
            except Exception as exc:  # keep watching; the next scan retries
                log.exception(
                    kv("ingest.error", mailbox=self.mailbox.name, error=type(exc).__name__)
                )
            await pause(stop, poll_seconds)
        log.info(kv("ingest.stop", mailbox=self.mailbox.name))
