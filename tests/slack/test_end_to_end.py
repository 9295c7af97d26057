"""A buyer's mail to a Slack card, an agent's thread reply to the buyer over SMTP, and back."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.mail.outbox import SmtpTransport
from bot.orders import OrderRow, save_order
from bot.service import Desk
from bot.slack.threads import thread_of
from bot.store import Store
from bot.store.schema import outbox, tickets
from tests.mailfactory import RELAY, buyer_mail
from tests.slack.conftest import AGENT, CHANNEL, SmtpSink
from tests.slack.emulator import SlackEmulator
from tests.slack.payloads import message_event
from tests.slack.test_socket_mode import eventually

ORDER = "249-7654321-7654321"


def _deliver(settings: Settings, name: str, raw: bytes) -> None:
    maildir = settings.mailboxes[0].path
    assert maildir is not None
    (Path(maildir) / "new" / name).write_bytes(raw)


async def test_handoff_thread_reply_smtp_and_the_buyers_answer_in_the_same_thread(
    store: Store,
    db_url: str,
    clock: ManualClock,
    slack_settings: Any,
    emulator: SlackEmulator,
    smtp_sink: SmtpSink,
) -> None:
    settings = replace(
        slack_settings(db_url, seller_language="zh"), outbox=smtp_sink.outbox_settings()
    )
    async with store.begin() as conn:
        await save_order(
            conn,
            OrderRow(
                line=2,
                order_id=ORDER,
                status="shipped",
                buyer_email=RELAY,
                carrier="yamato",
                tracking_number="123456789013",
                shipped_at=clock.now() - timedelta(days=4),
            ),
            now=clock.now(),
        )
    desk = Desk(settings, clock=clock, store=store, transport=SmtpTransport(settings.outbox))
    _deliver(
        settings,
        "1.buyer",
        buyer_mail(
            f"注文番号{ORDER}の加湿器がまだ届いていません。\n"
            "返事がないならAmazonにAからz保証を申請します。",
            subject="商品が届きません",
            message_id="<angry-1@mail.example.jp>",
        ),
    )

    first = await desk.run_once()

    assert first.counts() == {"handoff": 1}
    assert first.extra["slack"]["posted"] == 1
    (card,) = emulator.posts(CHANNEL)
    assert "订单 249-7654321-7654321" in card["text"] and "承运商 大和运输" in card["text"]
    ticket_id = first.processed[0].ticket_id
    assert ticket_id is not None
    async with store.connect() as conn:
        assert await thread_of(conn, ticket_id) == (CHANNEL, card["ts"])

    stop = asyncio.Event()
    socket = asyncio.create_task(desk.slack.run_socket_mode(stop))
    try:
        await emulator.wait_connected()
        reply = message_event(
            channel=CHANNEL,
            thread_ts=card["ts"],
            user=AGENT,
            text="大変お待たせしております。本日、ヤマト運輸に調査を依頼いたしました。",
        )
        await emulator.wait_ack(await emulator.send_envelope("events_api", reply))
        await eventually(lambda: _outbox_has(store))
        await desk.slack.processor.idle()
    finally:
        stop.set()
        await asyncio.wait_for(socket, timeout=10)

    held = await desk.run_once()  # inside the undo window: nothing leaves
    assert held.sent == 0 and smtp_sink.received == []
    clock.advance(timedelta(seconds=11))
    sent = await desk.run_once()

    assert sent.sent == 1
    (mail,) = smtp_sink.messages()
    assert mail["In-Reply-To"] == "<angry-1@mail.example.jp>"
    assert mail["To"] == RELAY and smtp_sink.received[0].rcpt_tos == [RELAY]
    assert "ヤマト運輸に調査を依頼いたしました" in mail.get_content()
    thread = emulator.thread(CHANNEL, card["ts"])
    assert f"Message-ID `{mail['Message-ID']}`" in thread[-1]["text"]
    refreshed = next(m for m in emulator.posts(CHANNEL) if m["ts"] == card["ts"])
    assert "已回复" in refreshed["text"]  # the card now says "answered"

    _deliver(
        settings,
        "2.buyer",
        buyer_mail(
            "ご連絡ありがとうございます。引き続きよろしくお願いします。",
            subject="Re: 商品が届きません",
            message_id="<angry-2@mail.example.jp>",
            in_reply_to=mail["Message-ID"],
            references=["<angry-1@mail.example.jp>", mail["Message-ID"]],
            date=clock.now(),
        ),
    )
    follow = await desk.run_once()

    assert follow.processed[0].ticket_id == ticket_id
    thread = emulator.thread(CHANNEL, card["ts"])
    assert "引き続きよろしくお願いします" in thread[-1]["text"]
    assert len([m for m in emulator.posts(CHANNEL) if "thread_ts" not in m]) == 1  # one card
    async with store.connect() as conn:
        status = (
            await conn.execute(select(tickets.c.status).where(tickets.c.id == ticket_id))
        ).scalar()
    assert status in ("answered", "waiting")
    await desk.close()


async def _outbox_has(store: Store) -> bool:
    async with store.connect() as conn:
        return (await conn.execute(select(outbox.c.id))).first() is not None
