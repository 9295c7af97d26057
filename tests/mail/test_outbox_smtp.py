"""Sending replies over SMTP: TLS, one connection, retries on 4xx, hand-off on 5xx, Sent copies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Settings, SlackSettings
from bot.mail.imap_connection import ImapConnection
from bot.mail.outbox import OutboxEntry
from bot.mail.sent import SentFolder
from bot.service import Desk
from bot.store.schema import events, outbox, slack_outbox, tickets
from tests.mail.helpers import add_order, desk_settings, shipping_question
from tests.servers import DovecotServer, SelfSignedCertificate, SmtpSink

SettingsFactory = Callable[..., Settings]


@pytest.fixture
async def desk(
    sqlite_url: str,
    make_settings: SettingsFactory,
    dovecot: DovecotServer,
    account: str,
    sink: SmtpSink,
    real_clock: ManualClock,
) -> AsyncIterator[Desk]:
    settings = desk_settings(
        make_settings,
        sqlite_url,
        (dovecot.mailbox("amazon", account),),
        sink,
        slack=SlackSettings(bot_token="xoxb-test", app_token="xapp-test", channel="C0TEST"),
    )
    desk = Desk(settings, clock=real_clock)
    await desk.start()
    await add_order(desk.store)
    yield desk
    await desk.close()


async def _entry(desk: Desk) -> object:
    async with desk.store.connect() as conn:
        return (await conn.execute(select(outbox))).one()


async def test_replies_share_one_connection_and_are_filed_in_sent(
    desk: Desk, dovecot: DovecotServer, account: str, sink: SmtpSink
) -> None:
    for n in range(3):
        dovecot.append(
            account,
            shipping_question(sender=f"buyer{n}@example.ne.jp", message_id=f"<s{n}@b.example>"),
        )
    summary = await desk.run_once()
    assert summary.sent == 3
    assert sink.connections == 1
    sent_ids = dovecot.message_ids(account, "Sent")
    assert sorted(sent_ids) == sorted(m.message_id for m in sink.messages)
    assert all("\\Seen" in flags for flags in dovecot.flags(account, "Sent").values())


async def test_a_4xx_answer_is_retried_later(
    desk: Desk, dovecot: DovecotServer, account: str, sink: SmtpSink, real_clock: ManualClock
) -> None:
    dovecot.append(account, shipping_question())
    sink.refuse(451, "4.3.0 Try again later")
    assert (await desk.run_once()).sent == 0
    entry = await _entry(desk)
    assert entry.state == "pending"  # type: ignore[attr-defined]
    assert "451" in entry.last_error  # type: ignore[attr-defined]
    assert entry.not_before >= real_clock.now() + timedelta(seconds=29)  # type: ignore[attr-defined]
    assert sink.messages == []

    assert (await desk.run_once()).sent == 0  # not due yet
    real_clock.advance(timedelta(seconds=31))
    assert (await desk.run_once()).sent == 1
    assert len(sink.messages) == 1
    assert (await _entry(desk)).state == "sent"  # type: ignore[attr-defined]


async def test_a_network_error_is_retried_later(
    desk: Desk, dovecot: DovecotServer, account: str, sink: SmtpSink
) -> None:
    dovecot.append(account, shipping_question())
    await sink.stop()  # nobody listens: connection refused
    assert (await desk.run_once()).sent == 0
    entry = await _entry(desk)
    assert entry.state == "pending"  # type: ignore[attr-defined]
    assert entry.last_error  # type: ignore[attr-defined]


async def test_a_5xx_answer_hands_the_ticket_to_a_human_with_the_reason(
    desk: Desk, dovecot: DovecotServer, account: str, sink: SmtpSink
) -> None:
    dovecot.append(account, shipping_question())
    sink.refuse(550, "5.1.1 Recipient address rejected")
    assert (await desk.run_once()).sent == 0
    entry = await _entry(desk)
    assert entry.state == "failed"  # type: ignore[attr-defined]
    assert "550" in entry.last_error  # type: ignore[attr-defined]
    async with desk.store.connect() as conn:
        status = (await conn.execute(select(tickets.c.status))).scalar_one()
        card = (
            await conn.execute(
                select(slack_outbox.c.payload).order_by(slack_outbox.c.id.desc()).limit(1)
            )
        ).scalar_one()
        failed = (
            await conn.execute(select(events.c.detail).where(events.c.kind == "reply.failed"))
        ).scalar_one()
    assert status == "waiting"
    assert card["decision"] == "send_failed"
    assert "550 5.1.1 Recipient address rejected" in card["reason"]
    assert "550" in failed["reason"]
    assert (await desk.run_once()).sent == 0  # never retried
    assert sink.messages == []


@pytest.mark.parametrize("tls", ["smtps", "starttls"])
async def test_tls_to_the_smtp_server_is_verified(
    sqlite_url: str,
    make_settings: SettingsFactory,
    dovecot: DovecotServer,
    account: str,
    certificate: SelfSignedCertificate,
    tls: str,
) -> None:
    server = SmtpSink()
    await server.start(tls, certificate)
    try:
        trusted = desk_settings(
            make_settings, sqlite_url, (dovecot.mailbox("amazon", account),), server
        )
        trusted = replace(trusted, outbox=server.outbox(ca_file=certificate.cert))
        untrusted = replace(trusted, outbox=server.outbox())
        desk = Desk(untrusted)
        await desk.start()
        await add_order(desk.store)
        dovecot.append(account, shipping_question())
        assert (await desk.run_once()).sent == 0  # the self-signed certificate is refused
        entry = await _entry(desk)
        assert "certificate" in entry.last_error.lower()  # type: ignore[attr-defined]
        await desk.close()

        desk = Desk(trusted, clock=ManualClock(entry.not_before))  # type: ignore[attr-defined]
        await desk.start()
        assert (await desk.run_once()).sent == 1
        await desk.close()
    finally:
        await server.stop()
    assert len(server.messages) == 1


async def test_the_sent_folder_answers_whether_a_message_id_left(
    dovecot: DovecotServer, account: str
) -> None:
    folder = SentFolder(dovecot.mailbox("amazon", account, sent_folder="Gesendete Objekte"))
    entry = OutboxEntry(
        1, 1, "<madoguchi.abc@mirai-zakka.example.jp>", "a@b", ["c@d"], b"", "bot", 2
    )
    try:
        # A folder that does not exist yet holds nothing (and is created for the copies).
        assert await folder.holds(entry.message_id) is False
        raw = shipping_question(message_id=entry.message_id)
        await folder.file(raw)
        assert await folder.holds(entry.message_id) is True
        assert await folder.holds("<madoguchi.other@mirai-zakka.example.jp>") is False
    finally:
        await folder.close()
    assert dovecot.message_ids(account, "Gesendete Objekte") == [entry.message_id]


@pytest.fixture
def appended(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every group of copies stored with one APPEND."""
    groups: list[int] = []
    real = ImapConnection.append_many

    async def counting(self: ImapConnection, folder: str, raws: list[bytes], **kw: str) -> None:
        groups.append(len(raws))
        await real(self, folder, raws, **kw)

    monkeypatch.setattr(ImapConnection, "append_many", counting)
    return groups


async def test_copies_filed_together_go_in_one_multiappend(
    dovecot: DovecotServer, account: str, appended: list[int]
) -> None:
    folder = SentFolder(dovecot.mailbox("amazon", account))
    ids = [f"<madoguchi.group{n}@mirai-zakka.example.jp>" for n in range(12)]
    try:
        await asyncio.gather(*(folder.file(shipping_question(message_id=i)) for i in ids))
        assert all([await folder.holds(i) for i in ids])
    finally:
        await folder.close()
    assert sum(appended) == 12 and max(appended) > 1  # grouped, not one APPEND each
    assert sorted(dovecot.message_ids(account, "Sent")) == sorted(ids)
    assert all(flags == {"\\Seen"} for flags in dovecot.flags(account, "Sent").values())


async def test_copies_announced_by_senders_wait_for_each_other(
    dovecot: DovecotServer, account: str, appended: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A backlog: eight mails are being sent; their copies arrive one loop turn apart. Filed
    # as they come, the first would go alone and the rest together ([1, 7]); announced, the
    # first waits for the others (the wait is long here so that a slow machine cannot end it).
    monkeypatch.setattr(SentFolder, "LINGER_SECONDS", 30.0)
    folder = SentFolder(dovecot.mailbox("amazon", account))
    ids = [f"<madoguchi.backlog{n}@mirai-zakka.example.jp>" for n in range(8)]
    try:
        for _ in ids:
            folder.announce()
        filing = []
        for i in ids:
            filing.append(
                asyncio.create_task(folder.file(shipping_question(message_id=i), announced=True))
            )
            await asyncio.sleep(0)
        await asyncio.wait_for(asyncio.gather(*filing), 10)
    finally:
        await folder.close()
    assert appended == [8]
    assert sorted(dovecot.message_ids(account, "Sent")) == sorted(ids)


async def test_a_copy_nobody_else_is_coming_for_is_filed_at_once(
    dovecot: DovecotServer, account: str, appended: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(SentFolder, "LINGER_SECONDS", 30.0)
    folder = SentFolder(dovecot.mailbox("amazon", account))
    try:
        # Alone: no wait at all.
        await asyncio.wait_for(folder.file(shipping_question(message_id="<alone@x.jp>")), 10)
        # Two announced, one of them not accepted by the SMTP server: withdrawn, it holds
        # nobody up.
        folder.announce()
        folder.announce()
        filing = asyncio.create_task(
            folder.file(shipping_question(message_id="<kept@x.jp>"), announced=True)
        )
        await asyncio.sleep(0.05)
        assert not filing.done()  # waiting for the second copy
        folder.withdraw()
        await asyncio.wait_for(filing, 10)
    finally:
        await folder.close()
    assert appended == [1, 1]
    assert sorted(dovecot.message_ids(account, "Sent")) == ["<alone@x.jp>", "<kept@x.jp>"]


async def test_an_announced_copy_that_never_comes_delays_the_others_only_briefly(
    dovecot: DovecotServer, account: str, appended: list[int]
) -> None:
    folder = SentFolder(dovecot.mailbox("amazon", account))
    try:
        folder.announce()
        folder.announce()  # never filed, never withdrawn (a sender that hangs, say)
        await asyncio.wait_for(
            folder.file(shipping_question(message_id="<early@x.jp>"), announced=True), 10
        )
    finally:
        await folder.close()
    assert appended == [1]


async def test_a_cancelled_close_leaves_nobody_waiting_for_their_copy(
    dovecot: DovecotServer, account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(SentFolder, "LINGER_SECONDS", 30.0)
    folder = SentFolder(dovecot.mailbox("amazon", account))
    folder.announce()  # a copy still on its way keeps the group waiting
    folder.announce()
    filing = asyncio.create_task(
        folder.file(shipping_question(message_id="<waiting@x.jp>"), announced=True)
    )
    await asyncio.sleep(0.05)
    closing = asyncio.create_task(folder.close())
    await asyncio.sleep(0.01)
    closing.cancel()  # the shutdown gives up on close(); the filing goes on regardless
    folder.withdraw()
    await asyncio.wait_for(filing, 10)
    await folder.close()
    assert dovecot.message_ids(account, "Sent") == ["<waiting@x.jp>"]
