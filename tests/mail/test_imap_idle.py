"""The watcher's long-running loop: IDLE push, renewal, restarts, dead links, bad logins, polling."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.mail.imap import ImapWatcher
from bot.mail.imap_connection import ImapConnection
from bot.mail.ingest import ensure_mailbox
from bot.store import Store
from tests.mail.helpers import eventually, stored_message_ids
from tests.mailfactory import buyer_mail
from tests.servers import DovecotServer, SelfSignedCertificate, TcpProxy

LONG_POLL = 3600.0  # if a mail arrives within seconds, it was pushed, not polled


def mail(n: int) -> bytes:
    return buyer_mail(f"本文{n}", subject=f"件名{n}", message_id=f"<idle{n}@buyer.example.jp>")


@asynccontextmanager
async def running(
    watcher: ImapWatcher, poll_seconds: float = LONG_POLL
) -> AsyncIterator[asyncio.Task[None]]:
    """The watcher's run loop in the background; stopped (and checked to end) on exit."""
    stop = asyncio.Event()
    task = asyncio.create_task(watcher.run(stop, poll_seconds))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)


def idling(watcher: ImapWatcher) -> Callable[[], bool]:
    return lambda: watcher.connection is not None and watcher.connection.idling


async def make_watcher(
    store: Store, settings: Any, clock: ManualClock, **kwargs: Any
) -> ImapWatcher:
    mailbox_id = await ensure_mailbox(store, settings, clock.now())
    return ImapWatcher(store, settings, mailbox_id, clock, **kwargs)


async def test_new_mail_is_pushed_by_idle(
    sqlite_store: Store, dovecot: DovecotServer, account: str, real_clock: ManualClock
) -> None:
    woken: list[int] = []
    watcher = await make_watcher(sqlite_store, dovecot.mailbox(account, account), real_clock)
    watcher.on_new = lambda: woken.append(1)
    async with running(watcher):
        await eventually(idling(watcher), what="the watcher idles")
        await asyncio.to_thread(dovecot.deliver, account, mail(1))
        await eventually(lambda: stored_message_ids(sqlite_store), what="the pushed mail is stored")
    assert await stored_message_ids(sqlite_store) == ["<idle1@buyer.example.jp>"]
    assert woken == [1]
    assert watcher.connects == 1


async def test_idle_is_renewed_on_the_same_connection(
    sqlite_store: Store,
    dovecot: DovecotServer,
    account: str,
    real_clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outcomes: list[str] = []
    real_idle = ImapConnection.idle

    async def recording_idle(self: ImapConnection, seconds: float, stop: asyncio.Event) -> str:
        outcome = await real_idle(self, seconds, stop)
        outcomes.append(outcome)
        return outcome

    monkeypatch.setattr(ImapConnection, "idle", recording_idle)
    watcher = await make_watcher(
        sqlite_store, dovecot.mailbox(account, account), real_clock, idle_seconds=1.0
    )
    async with running(watcher):
        await eventually(lambda: outcomes.count("renew") >= 2, what="IDLE renewed twice")
        await eventually(idling(watcher))
        await asyncio.to_thread(dovecot.deliver, account, mail(1))
        await eventually(lambda: stored_message_ids(sqlite_store), what="mail after renewals")
    assert watcher.connects == 1
    assert await stored_message_ids(sqlite_store) == ["<idle1@buyer.example.jp>"]


async def test_survives_a_dovecot_restart_and_backfills_what_arrived_meanwhile(
    sqlite_store: Store,
    own_dovecot: DovecotServer,
    real_clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.mail.imap")
    watcher = await make_watcher(
        sqlite_store,
        own_dovecot.mailbox("restarted", "shop"),
        real_clock,
        backoff_base=0.3,
        backoff_cap=1.0,
    )
    async with running(watcher) as task:
        await eventually(idling(watcher))
        await asyncio.to_thread(own_dovecot.deliver, "shop", mail(1))
        await eventually(lambda: stored_message_ids(sqlite_store))

        await asyncio.to_thread(own_dovecot.stop)
        await eventually(lambda: "imap.reconnect" in caplog.text, what="a reconnect attempt")
        # Delivered while IMAP is down: the MTA writes into the Maildir.
        own_dovecot.drop_into_maildir("shop", mail(2))
        own_dovecot.drop_into_maildir("shop", mail(3))
        await asyncio.to_thread(own_dovecot.start)
        await eventually(
            lambda: _count(sqlite_store, 3), seconds=20, what="the backfill after the restart"
        )
        await asyncio.to_thread(own_dovecot.deliver, "shop", mail(4))
        await eventually(lambda: _count(sqlite_store, 4), what="push works again")
        assert not task.done()
    ids = await stored_message_ids(sqlite_store)
    assert sorted(ids) == [f"<idle{n}@buyer.example.jp>" for n in range(1, 5)]  # each once
    assert watcher.connects >= 2
    reconnects = [r.getMessage() for r in caplog.records if "imap.reconnect" in r.getMessage()]
    assert "mailbox=restarted" in reconnects[0] and "attempt=1" in reconnects[0]
    assert "wait=" in reconnects[0]


async def _count(store: Store, n: int) -> bool:
    return len(await stored_message_ids(store)) >= n


async def test_a_silently_dead_connection_is_replaced(
    sqlite_store: Store,
    dovecot: DovecotServer,
    account: str,
    real_clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.mail.imap")
    proxy = TcpProxy(dovecot.imap_port)
    await proxy.start()
    try:
        settings = dovecot.mailbox("natted", account, tls=False, port=proxy.port, timeout=1.0)
        watcher = await make_watcher(
            sqlite_store, settings, real_clock, idle_seconds=1.0, backoff_base=0.2
        )
        async with running(watcher):
            await eventually(idling(watcher))
            proxy.silence()  # no data, no FIN: only a timeout can tell
            await eventually(lambda: watcher.connects >= 2, what="a new connection")
            await eventually(idling(watcher))
            await asyncio.to_thread(dovecot.deliver, account, mail(1))
            await eventually(lambda: stored_message_ids(sqlite_store))
    finally:
        await proxy.stop()
    assert "event=imap.reconnect mailbox=natted attempt=1" in caplog.text


async def test_wrong_credentials_are_logged_and_retried_without_raising(
    sqlite_store: Store,
    dovecot: DovecotServer,
    account: str,
    real_clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.mail.imap")
    settings = dovecot.mailbox("rakuten", account, password="not-the-password")
    watcher = await make_watcher(sqlite_store, settings, real_clock)
    async with running(watcher) as task:
        await eventually(lambda: "imap.auth_failed" in caplog.text)
        await asyncio.sleep(0.2)
        assert not task.done()  # still alive, waiting to try again
    failed = [r for r in caplog.records if "imap.auth_failed" in r.getMessage()]
    assert failed[0].levelno == logging.ERROR
    assert "mailbox=rakuten" in failed[0].getMessage()
    assert "not-the-password" not in caplog.text


async def test_without_idle_the_watcher_polls(
    sqlite_store: Store,
    certificate: SelfSignedCertificate,
    real_clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.mail.imap")
    server = DovecotServer.create(
        certificate, extra_config="imap_capability = IMAP4rev1 LITERAL+ SASL-IR UIDPLUS\n"
    )
    server.start()
    try:
        watcher = await make_watcher(sqlite_store, server.mailbox("old", "shop"), real_clock)
        async with running(watcher, poll_seconds=0.3):
            await eventually(lambda: watcher.connection is not None)
            await asyncio.to_thread(server.deliver, "shop", mail(1))
            await eventually(lambda: stored_message_ids(sqlite_store), what="polled mail")
            assert watcher.connection is not None and not watcher.connection.idle_supported
    finally:
        await asyncio.to_thread(server.remove)
    assert "event=imap.polling mailbox=old" in caplog.text


async def test_a_mail_arriving_during_a_sync_is_not_left_for_the_next_renewal(
    sqlite_store: Store,
    dovecot: DovecotServer,
    account: str,
    real_clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Dovecot announces such a mail at the end of the running command (where aioimaplib
    # drops the EXISTS) and never again in the IDLE that follows.
    real_search = ImapConnection.search
    delivered: list[int] = []

    async def search_while_mail_arrives(self: ImapConnection, *criteria: str) -> list[int]:
        if not delivered:
            delivered.append(1)
            await asyncio.to_thread(dovecot.deliver, account, mail(1))
        return await real_search(self, *criteria)

    monkeypatch.setattr(ImapConnection, "search", search_while_mail_arrives)
    watcher = await make_watcher(sqlite_store, dovecot.mailbox(account, account), real_clock)
    async with running(watcher):
        await eventually(
            lambda: stored_message_ids(sqlite_store), seconds=10, what="the mail that raced"
        )
    assert delivered == [1]
