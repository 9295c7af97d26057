"""The IMAP watcher against a real Dovecot: checkpoint, backfill, batches, flags, first sync."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import aioimaplib
import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.errors import MailboxAuthError, MailboxError
from bot.mail.imap import ImapWatcher, plan_batches
from bot.mail.imap_connection import (
    ImapConnection,
    MailSize,
    _FetchCommand,
    parse_internaldate,
    uid_set,
)
from bot.mail.ingest import ensure_mailbox
from bot.store import Store
from bot.store.schema import raw_mails
from tests.mailfactory import buyer_mail
from tests.servers import DovecotServer


def mail(n: int) -> bytes:
    return buyer_mail(f"テスト{n}です。", subject=f"件名{n}", message_id=f"<m{n}@buyer.example.jp>")


async def watcher_for(
    store: Store, dovecot: DovecotServer, account: str, clock: ManualClock, **kwargs: object
) -> ImapWatcher:
    settings = dovecot.mailbox(account, account)
    mailbox_id = await ensure_mailbox(store, settings, clock.now())
    return ImapWatcher(store, settings, mailbox_id, clock, **kwargs)  # type: ignore[arg-type]


async def stored(store: Store) -> list[tuple[str, str | None]]:
    async with store.connect() as conn:
        rows = await conn.execute(
            select(raw_mails.c.source_key, raw_mails.c.message_id).order_by(raw_mails.c.id)
        )
        return [(r.source_key, r.message_id) for r in rows]


# --- pure helpers ------------------------------------------------------------------------------


def test_uid_sets_are_compact_ranges() -> None:
    assert uid_set([7, 1, 2, 3, 9, 10]) == "1:3,7,9:10"
    assert uid_set([5]) == "5"
    with pytest.raises(ValueError):
        uid_set([])


def test_internaldates_are_read_as_strptime_reads_them() -> None:
    assert parse_internaldate(b"27-Nov-2026 07:42:57 +0000") == datetime(
        2026, 11, 27, 7, 42, 57, tzinfo=UTC
    )
    east = parse_internaldate(b" 7-nov-2026 23:59:59 +0930")
    assert east is not None and east.utcoffset() == timedelta(hours=9, minutes=30)
    assert east == datetime(2026, 11, 7, 23, 59, 59, tzinfo=timezone(timedelta(hours=9.5)))
    west = parse_internaldate(b"07-Nov-2026 07:42:57 -0500")
    assert west is not None and west.utcoffset() == timedelta(hours=-5)
    # Other spellings strptime accepts still read; impossible dates and offsets do not.
    assert parse_internaldate(b"7-NOV-2026 7:42:57 +00:00") == datetime(
        2026, 11, 7, 7, 42, 57, tzinfo=UTC
    )
    for bad in (
        b"29-Feb-2025 07:42:57 +0000",
        b"7-Nov-2026 24:00:00 +0000",
        b"7-Nov-2026 07:42:57 +0060",
        b"7-Nov-2026 07:42:57 +2500",
        b"7-Foo-2026 07:42:57 +0000",
        b"\xff",
        b"",
    ):
        assert parse_internaldate(bad) is None, bad


async def test_fetch_completion_is_judged_as_aioimaplib_judges_it() -> None:
    lines: list[bytes | bytearray] = [
        b"1 FETCH (UID 5 RFC822.SIZE 10 INTERNALDATE (x)",
        b")",
        b"2 FETCH (UID 6 BODY[] {3}",
        bytearray(b"(()"),
        b" FLAGS (\\Seen))",
        b"3 FETCH (UID 7 BODY[] {2}",
        bytearray(b"(("),
        b"",
        b" UID 7",
        b")",
    ]
    ours = _FetchCommand("A1", "1:3", "(UID)", prefix="UID")
    theirs = aioimaplib.FetchCommand("A2", "1:3", "(UID)", prefix="UID")
    answers = []
    for line in lines:
        ours.append_to_resp(line)
        theirs.append_to_resp(line)
        answers.append(ours.wait_data())
        assert answers[-1] == theirs.wait_data(), line
    assert answers == [True, False, True, True, False, True, True, True, True, False]


def test_batches_hold_at_most_the_uid_and_byte_limits() -> None:
    sizes = [MailSize(uid, 100, None) for uid in range(1, 451)]
    batches = plan_batches(sizes, max_uids=200, max_bytes=10**9)
    assert [len(b) for b in batches] == [200, 200, 50]
    assert [s.uid for b in batches for s in b] == list(range(1, 451))
    heavy = [MailSize(1, 60, None), MailSize(2, 60, None), MailSize(3, 10, None)]
    assert [[s.uid for s in b] for b in plan_batches(heavy, max_uids=200, max_bytes=100)] == [
        [1],
        [2, 3],
    ]


# --- against Dovecot ---------------------------------------------------------------------------


async def test_backfill_stores_every_mail_once_and_moves_the_checkpoint(
    store: Store, dovecot: DovecotServer, account: str, real_clock: ManualClock
) -> None:
    uids = [dovecot.append(account, mail(n)) for n in range(1, 4)]
    watcher = await watcher_for(store, dovecot, account, real_clock)
    try:
        assert await watcher.scan() == 3
        uidvalidity = dovecot.uidvalidity(account)
        assert await stored(store) == [
            (f"{uidvalidity}:{uid}", f"<m{n}@buyer.example.jp>") for n, uid in enumerate(uids, 1)
        ]
        checkpoint = await watcher.checkpoint()
        assert (checkpoint.uidvalidity, checkpoint.last_uid) == (uidvalidity, uids[-1])

        assert await watcher.scan() == 0  # nothing above the checkpoint
        later = dovecot.append(account, mail(4))
        assert await watcher.scan() == 1
        assert (await watcher.checkpoint()).last_uid == later
        assert len(await stored(store)) == 4
    finally:
        await watcher.close()


async def test_reading_never_sets_or_clears_seen(
    sqlite_store: Store, dovecot: DovecotServer, account: str, real_clock: ManualClock
) -> None:
    dovecot.append(account, mail(1))
    dovecot.append(account, mail(2), flags="\\Seen")
    dovecot.append(account, mail(3), flags="\\Flagged")
    before = dovecot.flags(account)
    watcher = await watcher_for(sqlite_store, dovecot, account, real_clock)
    try:
        assert await watcher.scan() == 3
    finally:
        await watcher.close()
    after = dovecot.flags(account)
    assert after == before
    assert [("\\Seen" in f) for _, f in sorted(after.items())] == [False, True, False]


async def test_backfill_fetches_in_batches_below_the_limit(
    sqlite_store: Store,
    dovecot: DovecotServer,
    account: str,
    real_clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for n in range(1, 24):
        dovecot.append(account, mail(n))
    fetched: list[int] = []
    real_fetch = ImapConnection.fetch

    async def counting_fetch(self: ImapConnection, uids: list[int], **kw: int) -> object:
        fetched.append(len(uids))
        return await real_fetch(self, uids, **kw)

    monkeypatch.setattr(ImapConnection, "fetch", counting_fetch)
    watcher = await watcher_for(sqlite_store, dovecot, account, real_clock, batch_uids=5)
    try:
        assert await watcher.scan() == 23
    finally:
        await watcher.close()
    assert fetched == [5, 5, 5, 5, 3]
    assert len({key for key, _ in await stored(sqlite_store)}) == 23


async def test_first_connect_answers_only_recent_mail(
    sqlite_store: Store, dovecot: DovecotServer, account: str, real_clock: ManualClock
) -> None:
    now = real_clock.now()
    dovecot.append(account, mail(1), when=now - timedelta(days=400))
    dovecot.append(account, mail(2), when=now - timedelta(days=4))
    recent = dovecot.append(account, mail(3), when=now - timedelta(days=2))
    last = dovecot.append(account, mail(4), when=now - timedelta(hours=1))
    watcher = await watcher_for(sqlite_store, dovecot, account, real_clock)
    try:
        assert await watcher.scan() == 2
        uidvalidity = dovecot.uidvalidity(account)
        assert [key for key, _ in await stored(sqlite_store)] == [
            f"{uidvalidity}:{recent}",
            f"{uidvalidity}:{last}",
        ]
        # The old mails are behind the checkpoint: they are never fetched again.
        assert (await watcher.checkpoint()).last_uid == last
        newer = dovecot.append(account, mail(5), when=now - timedelta(days=30))
        assert await watcher.scan() == 1  # after the first sync, every new UID counts
        assert (await stored(sqlite_store))[-1][0] == f"{uidvalidity}:{newer}"
    finally:
        await watcher.close()


async def test_first_sync_horizon_is_configurable(
    sqlite_store: Store, dovecot: DovecotServer, account: str, real_clock: ManualClock
) -> None:
    now = real_clock.now()
    dovecot.append(account, mail(1), when=now - timedelta(days=9))
    dovecot.append(account, mail(2), when=now - timedelta(days=20))
    watcher = await watcher_for(sqlite_store, dovecot, account, real_clock, first_sync_days=10)
    try:
        assert await watcher.scan() == 1
    finally:
        await watcher.close()


async def test_wrong_password_is_an_auth_error_naming_the_mailbox(
    sqlite_store: Store, dovecot: DovecotServer, account: str, real_clock: ManualClock
) -> None:
    settings = dovecot.mailbox("amazon-jp", account, password="wrong")
    mailbox_id = await ensure_mailbox(sqlite_store, settings, real_clock.now())
    watcher = ImapWatcher(sqlite_store, settings, mailbox_id, real_clock)
    with pytest.raises(MailboxAuthError, match="amazon-jp"):
        await watcher.scan()


async def test_tls_is_verified(
    sqlite_store: Store, dovecot: DovecotServer, account: str, real_clock: ManualClock
) -> None:
    # Without the private CA the self-signed certificate must be refused, not ignored.
    settings = dovecot.mailbox("untrusted", account, ca_file=None)
    mailbox_id = await ensure_mailbox(sqlite_store, settings, real_clock.now())
    watcher = ImapWatcher(sqlite_store, settings, mailbox_id, real_clock)
    with pytest.raises(MailboxError, match=r"(?i)certificate"):
        await watcher.scan()


async def test_plain_imap_on_loopback_works_when_configured(
    sqlite_store: Store, dovecot: DovecotServer, account: str, real_clock: ManualClock
) -> None:
    dovecot.append(account, mail(1))
    settings = dovecot.mailbox("plain", account, tls=False)
    mailbox_id = await ensure_mailbox(sqlite_store, settings, real_clock.now())
    watcher = ImapWatcher(sqlite_store, settings, mailbox_id, real_clock)
    try:
        assert await watcher.scan() == 1
    finally:
        await watcher.close()


async def test_a_crash_during_the_first_sync_repeats_it_without_duplicates(
    sqlite_store: Store,
    dovecot: DovecotServer,
    account: str,
    real_clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for n in range(1, 8):
        dovecot.append(account, mail(n))
    real_fetch = ImapConnection.fetch
    calls = 0

    async def dying_fetch(self: ImapConnection, uids: list[int], **kw: int) -> object:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise MailboxError("mailbox test: the connection was lost")
        return await real_fetch(self, uids, **kw)

    monkeypatch.setattr(ImapConnection, "fetch", dying_fetch)
    watcher = await watcher_for(sqlite_store, dovecot, account, real_clock, batch_uids=3)
    with pytest.raises(MailboxError):
        await watcher.scan()
    assert len(await stored(sqlite_store)) == 3
    assert (await watcher.checkpoint()).uidvalidity is None  # the first sync did not finish
    try:
        assert await watcher.scan() == 4
    finally:
        await watcher.close()
    assert len(await stored(sqlite_store)) == 7


async def test_a_second_process_on_the_same_mailbox_stores_nothing_twice(
    sqlite_store: Store, dovecot: DovecotServer, account: str, real_clock: ManualClock
) -> None:
    for n in range(1, 6):
        dovecot.append(account, mail(n))
    one = await watcher_for(sqlite_store, dovecot, account, real_clock)
    two = await watcher_for(sqlite_store, dovecot, account, real_clock)
    try:
        counts = await asyncio.gather(one.scan(), two.scan())
        assert sum(counts) == 5
    finally:
        await one.close()
        await two.close()
    assert len(await stored(sqlite_store)) == 5


async def test_mails_expunged_before_they_were_read_are_stepped_over(
    sqlite_store: Store, dovecot: DovecotServer, account: str, real_clock: ManualClock
) -> None:
    dovecot.append(account, mail(1))
    watcher = await watcher_for(sqlite_store, dovecot, account, real_clock)
    try:
        assert await watcher.scan() == 1
        gone = [dovecot.append(account, mail(n)) for n in (2, 3)]
        dovecot.expunge(account, gone)  # a person deleted them before the desk looked
        assert await watcher.scan() == 0
        assert (await watcher.checkpoint()).last_uid == gone[-1]
        dovecot.append(account, mail(4))
        assert await watcher.scan() == 1
    finally:
        await watcher.close()
    assert [m for _, m in await stored(sqlite_store)] == [
        "<m1@buyer.example.jp>",
        "<m4@buyer.example.jp>",
    ]
