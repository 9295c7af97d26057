"""The Desk end to end over real servers: Dovecot (IMAPS in, Sent folder) and an SMTP sink."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from email import message_from_bytes
from email.header import decode_header, make_header
from email.policy import default
from email.utils import parseaddr

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.nlp.batch import GC_YOUNG_THRESHOLD
from bot.pipeline import Processed
from bot.service import Desk
from bot.store.schema import decisions, raw_mails
from tests.mail.helpers import ORDER, SHOP, add_order, desk_settings, eventually, shipping_question
from tests.mailfactory import RELAY, buyer_mail
from tests.servers import DovecotServer, SmtpSink

SettingsFactory = Callable[..., Settings]


@asynccontextmanager
async def running(desk: Desk) -> AsyncIterator[asyncio.Task[None]]:
    """``desk.run`` in the background; stopped and awaited on exit."""
    stop = asyncio.Event()
    task = asyncio.create_task(desk.run(stop))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)


@pytest.fixture
async def desk(
    sqlite_url: str,
    make_settings: SettingsFactory,
    dovecot: DovecotServer,
    account: str,
    sink: SmtpSink,
) -> AsyncIterator[Desk]:
    """A Desk reading ``account`` over IMAPS and sending to the sink, with one shipped order."""
    settings = desk_settings(make_settings, sqlite_url, (dovecot.mailbox("amazon", account),), sink)
    desk = Desk(settings)
    await desk.start()
    await add_order(desk.store)
    yield desk
    await desk.close()


async def test_the_running_service_collects_garbage_less_often_and_sets_it_back(
    desk: Desk,
) -> None:
    before = gc.get_threshold()
    assert before[0] < GC_YOUNG_THRESHOLD
    async with running(desk):
        await eventually(
            lambda: gc.get_threshold() == (GC_YOUNG_THRESHOLD, *before[1:]), what="threshold"
        )
    assert gc.get_threshold() == before


async def test_a_buyer_mail_delivered_over_lmtp_is_answered_over_smtp(
    desk: Desk, dovecot: DovecotServer, account: str, sink: SmtpSink
) -> None:
    async with running(desk) as task:
        await eventually(lambda: bool(desk.watchers) and _idling(desk), what="IDLE")
        await asyncio.to_thread(
            dovecot.deliver,
            account,
            shipping_question(
                message_id="<e2e1@buyer.example.jp>", references=["<root@buyer.example.jp>"]
            ),
        )
        [reply] = await sink.wait_for(1)
        assert not task.done()
        await eventually(lambda: reply.message_id in dovecot.message_ids(account, "Sent"))

    assert reply.rcpt_tos == [RELAY]
    assert reply.mail_from == SHOP
    msg = message_from_bytes(reply.data, policy=default)
    assert str(msg["Subject"]) == "Re: 配送状況について"
    assert msg["In-Reply-To"] == "<e2e1@buyer.example.jp>"
    assert msg["References"].split() == ["<root@buyer.example.jp>", "<e2e1@buyer.example.jp>"]
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["To"] == RELAY
    name, _ = parseaddr(str(make_header(decode_header(message_from_bytes(reply.data)["From"]))))
    assert name == "ミライ雑貨店"
    body = msg.get_content()
    assert msg.get_content_charset() == "utf-8"
    assert ORDER in body and "123456789013" in body
    assert sink.count(reply.message_id) == 1
    # The buyer's mail is still unread for the people who read the mailbox too.
    assert all("\\Seen" not in flags for flags in dovecot.flags(account).values())


def _idling(desk: Desk) -> bool:
    watcher = desk.watchers[0]
    connection = getattr(watcher, "connection", None)
    return connection is not None and connection.idling


async def test_the_reply_goes_to_reply_to_when_the_buyer_set_one(
    desk: Desk, dovecot: DovecotServer, account: str, sink: SmtpSink
) -> None:
    dovecot.append(
        account,
        shipping_question(headers={"Reply-To": "yamada.taro@example.ne.jp"}),
    )
    summary = await desk.run_once()
    assert summary.sent == 1
    assert sink.messages[0].rcpt_tos == ["yamada.taro@example.ne.jp"]


async def test_a_follow_up_without_in_reply_to_joins_its_ticket(
    desk: Desk, dovecot: DovecotServer, account: str, sink: SmtpSink
) -> None:
    dovecot.append(account, shipping_question(message_id="<f1@buyer.example.jp>"))
    first = await desk.run_once()
    # The buyer answers from a phone: no In-Reply-To, no References.
    dovecot.append(
        account, buyer_mail("承知しました。もう少し待ちます。", message_id="<f2@buyer.example.jp>")
    )
    second = await desk.run_once()
    [one], [two] = first.processed, second.processed
    assert two.thread == "sender"
    assert two.ticket_id == one.ticket_id


async def _decision_of(desk: Desk, item: Processed) -> tuple[str, str]:
    async with desk.store.connect() as conn:
        row = (
            await conn.execute(
                select(decisions.c.kind, decisions.c.reason).where(
                    decisions.c.message_id == item.message_row_id
                )
            )
        ).one()
    return row.kind, row.reason


@pytest.mark.parametrize(
    ("label", "raw", "kind"),
    [
        (
            "auto-reply",
            shipping_question(headers={"Auto-Submitted": "auto-replied"}, subject="自動応答"),
            "none",
        ),
        ("own address", shipping_question(sender=SHOP), "none"),
        ("reply-to is ours", shipping_question(headers={"Reply-To": SHOP}), "none"),
        ("noreply sender", shipping_question(sender="no-reply@shop-system.example.jp"), "handoff"),
    ],
)
async def test_loop_safety_never_answers_robots_or_ourselves(
    desk: Desk,
    dovecot: DovecotServer,
    account: str,
    sink: SmtpSink,
    label: str,
    raw: bytes,
    kind: str,
) -> None:
    dovecot.append(account, raw)
    summary = await desk.run_once()
    [item] = summary.processed
    assert (await _decision_of(desk, item))[0] == kind, label
    assert summary.sent == 0
    assert sink.messages == []


async def test_at_most_n_automatic_replies_per_sender_per_day(
    desk: Desk, dovecot: DovecotServer, account: str, sink: SmtpSink
) -> None:
    limit = desk.settings.shop.auto_replies_per_sender_per_day
    assert limit == 3
    for n in range(limit + 1):
        dovecot.append(account, shipping_question(message_id=f"<lim{n}@buyer.example.jp>"))
    summary = await desk.run_once()
    kinds = [(await _decision_of(desk, item))[0] for item in summary.processed]
    assert kinds == ["reply"] * limit + ["handoff"]
    held = await _decision_of(desk, summary.processed[-1])
    assert "automatic replies to this sender" in held[1]
    assert len(sink.messages) == limit


async def test_our_own_reply_coming_back_is_not_answered(
    desk: Desk, dovecot: DovecotServer, account: str, sink: SmtpSink
) -> None:
    dovecot.append(account, shipping_question())
    await desk.run_once()
    [reply] = sink.messages
    # The shop Bcc's itself, or the buyer's server bounces the reply back unchanged.
    dovecot.append(account, reply.data)
    summary = await desk.run_once()
    [item] = summary.processed
    assert item.state == "duplicate" or (await _decision_of(desk, item))[0] == "none"
    assert len(sink.messages) == 1


async def test_wrong_credentials_on_one_mailbox_do_not_stop_another(
    sqlite_url: str,
    make_settings: SettingsFactory,
    dovecot: DovecotServer,
    account: str,
    sink: SmtpSink,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    broken = dovecot.mailbox("rakuten", dovecot.add_user(f"{account}b"), password="wrong")
    good = dovecot.mailbox("amazon", account)
    desk = Desk(desk_settings(make_settings, sqlite_url, (broken, good), sink))
    await desk.start()
    await add_order(desk.store)
    try:
        async with running(desk) as task:
            await eventually(lambda: "imap.auth_failed" in caplog.text)
            await asyncio.to_thread(dovecot.deliver, account, shipping_question())
            await sink.wait_for(1)
            assert not task.done()
        # run --once: the broken mailbox is reported, the good one is still read.
        dovecot.append(account, shipping_question(message_id="<once@buyer.example.jp>"))
        summary = await desk.run_once()
        assert summary.sent == 1
        assert "rakuten" in summary.extra["mailbox_errors"][0]
    finally:
        await desk.close()
    assert "event=imap.auth_failed mailbox=rakuten" in caplog.text


async def test_a_rebuilt_mailbox_is_resynced_without_answering_old_mail_again(
    sqlite_url: str,
    make_settings: SettingsFactory,
    own_dovecot: DovecotServer,
    sink: SmtpSink,
    real_clock: ManualClock,
) -> None:
    settings = desk_settings(make_settings, sqlite_url, (own_dovecot.mailbox(),), sink)
    desk = Desk(settings, clock=real_clock)
    await desk.start()
    await add_order(desk.store)
    try:
        for n in (1, 2):
            own_dovecot.deliver("shop", shipping_question(message_id=f"<old{n}@buyer.example.jp>"))
        assert (await desk.run_once()).sent == 2
        before = own_dovecot.uidvalidity("shop")

        await asyncio.to_thread(own_dovecot.stop)
        own_dovecot.reset_uids("shop")
        await asyncio.to_thread(own_dovecot.start)
        assert own_dovecot.uidvalidity("shop") != before  # the precondition: a new UIDVALIDITY
        own_dovecot.deliver("shop", shipping_question(ORDER, message_id="<new@buyer.example.jp>"))

        summary = await desk.run_once()
        states = sorted(p.state for p in summary.processed)
        assert states == ["done", "duplicate", "duplicate"]
        assert summary.sent == 1
        assert [m.message_id for m in sink.messages].count(sink.messages[-1].message_id) == 1
        async with desk.store.connect() as conn:
            keys = (await conn.execute(select(raw_mails.c.source_key))).scalars().all()
        assert {k.split(":")[0] for k in keys} == {
            str(before),
            str(own_dovecot.uidvalidity("shop")),
        }
    finally:
        await desk.close()
    assert len(sink.messages) == 3
