"""Threading: Message-ID links first, then the order ID, then the sender's open ticket."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.clock import ManualClock
from bot.config import MailboxSettings, Settings
from bot.mail.ingest import content_sha256
from bot.mail.message import BuyerMail
from bot.pipeline import Processed
from bot.service import Desk
from bot.store.schema import messages, outbox, tickets
from bot.threads import linked_ids, order_ids_in
from tests.mail.helpers import ORDER, add_order, shipping_question
from tests.mailfactory import RELAY, buyer_mail


def a_mail(in_reply_to: str | None = None, references: list[str] | None = None) -> BuyerMail:
    return BuyerMail(
        message_id="<x@y>",
        in_reply_to=in_reply_to,
        references=references or [],
        from_addr=RELAY,
        from_name=None,
        reply_to=None,
        to=[],
        subject="",
        date=None,
        text="",
        new_text="",
        is_auto=False,
    )


def test_linked_ids_read_comments_and_missing_brackets() -> None:
    mail = a_mail("<b@shop> (山田様のメッセージ)", ["<root@buyer>", "a@shop", "<b@shop>"])
    assert linked_ids(mail) == ["<b@shop>", "<a@shop>", "<root@buyer>"]
    assert linked_ids(a_mail()) == []


def test_order_ids_are_found_in_full_width_and_quoted_text() -> None:
    text = (
        "お世話になります。\n> ご注文（注文番号：２４９－１２３４５６７－７６５４３２１）の商品は"
    )
    assert order_ids_in("Re: 249-1111111-2222222", text) == [
        "249-1111111-2222222",
        "249-1234567-7654321",
    ]
    assert order_ids_in("カード番号 1234-5678-9012-3456") == []


def test_content_hash_ignores_delivery_trace_headers() -> None:
    raw = buyer_mail("同じ本文")
    one = b"Return-Path: <a@b>\r\nReceived: from x\r\n\tby y; Fri, 27 Nov 2026\r\n" + raw
    two = b"Delivered-To: shop2@example.jp\r\nReceived: from z by w\r\n" + raw
    assert content_sha256(one) == content_sha256(two) == content_sha256(raw)
    assert content_sha256(buyer_mail("違う本文")) != content_sha256(raw)


class Inbox:
    """A Maildir the desk reads; each ``deliver`` is followed by one ``run_once``."""

    def __init__(self, settings: Settings, clock: ManualClock) -> None:
        self.settings = settings
        self.clock = clock
        self.desk = Desk(settings, clock=clock)
        self.count = 0

    async def deliver(self, raw: bytes, mailbox: int = 0) -> Processed:
        path = self.settings.mailboxes[mailbox].path
        assert path is not None
        self.count += 1
        (path / "new" / f"{self.count}.eml").write_bytes(raw)
        summary = await self.desk.run_once()
        assert len(summary.processed) == 1, summary.processed
        return summary.processed[0]

    async def reply_id(self, ticket_id: int | None) -> str:
        async with self.desk.store.connect() as conn:
            return str(
                (
                    await conn.execute(
                        select(outbox.c.message_id)
                        .where(outbox.c.ticket_id == ticket_id)
                        .order_by(outbox.c.id.desc())
                    )
                ).scalar()
            )


@pytest.fixture
async def inbox(
    db_url: str, make_settings: Callable[..., Settings], clock: ManualClock, tmp_path: Path
) -> AsyncIterator[Inbox]:
    second = tmp_path / "second"
    for sub in ("new", "cur", "tmp"):
        (second / sub).mkdir(parents=True)
    settings = make_settings(db_url)
    settings = settings.with_overrides(
        mailboxes=(
            *settings.mailboxes,
            MailboxSettings(name="second", scheme="maildir", url=f"maildir:{second}", path=second),
        )
    )
    box = Inbox(settings, clock)
    await box.desk.start()
    await add_order(box.desk.store, now=clock.now())
    yield box
    await box.desk.close()


async def test_follow_ups_find_their_ticket_with_or_without_in_reply_to(inbox: Inbox) -> None:
    first = await inbox.deliver(shipping_question(message_id="<t1@buyer.example.jp>"))
    assert (first.thread, first.outcome and first.outcome.kind) == ("new", "reply")
    ticket = first.ticket_id
    reply = await inbox.reply_id(ticket)

    answer = await inbox.deliver(
        buyer_mail("ありがとうございます。", message_id="<t2@b>", in_reply_to=reply)
    )
    assert (answer.ticket_id, answer.thread) == (ticket, "message-id")

    # Groupware: no In-Reply-To, only References.
    refs_only = await inbox.deliver(
        buyer_mail("追記です。", message_id="<t3@b>", references=["<t1@buyer.example.jp>"])
    )
    assert (refs_only.ticket_id, refs_only.thread) == (ticket, "message-id")

    # A phone: no threading headers, another address, the order ID only in the quote.
    quoted = f"まだ届きません。\n\n> ご注文（注文番号：{ORDER}）の商品は発送済みです。\n"
    phone = await inbox.deliver(
        buyer_mail(quoted, sender="taro@phone.example.jp", message_id="<t4@b>")
    )
    assert (phone.ticket_id, phone.thread) == (ticket, "order-id")

    # Nothing but the sender.
    bare = await inbox.deliver(buyer_mail("すみません、もう一点。", message_id="<t5@b>"))
    assert (bare.ticket_id, bare.thread) == (ticket, "sender")


async def test_another_order_or_a_closed_ticket_starts_a_new_ticket(inbox: Inbox) -> None:
    first = await inbox.deliver(shipping_question(message_id="<n1@b>"))
    other_order = await inbox.deliver(
        buyer_mail("注文番号250-7654321-1234567の件で質問です。", message_id="<n2@b>")
    )
    assert other_order.thread == "new"
    assert other_order.ticket_id != first.ticket_id

    async with inbox.desk.store.begin() as conn:
        await conn.execute(update(tickets).values(status="closed"))
    later = await inbox.deliver(buyer_mail("別件です。", message_id="<n3@b>"))
    assert later.thread == "new"


async def test_one_message_id_delivered_twice_makes_one_message(inbox: Inbox) -> None:
    raw = shipping_question(message_id="<twice@buyer.example.jp>")
    first = await inbox.deliver(b"Delivered-To: shop@mirai-zakka.example.jp\r\n" + raw)
    again = await inbox.deliver(b"Delivered-To: support@mirai-zakka.example.jp\r\n" + raw, 1)
    assert first.state == "done"
    assert (again.state, again.ticket_id) == ("duplicate", first.ticket_id)
    async with inbox.desk.store.connect() as conn:
        count = (
            await conn.execute(
                select(func.count())
                .select_from(messages)
                .where(messages.c.message_id == "<twice@buyer.example.jp>")
            )
        ).scalar_one()
        replies = (await conn.execute(select(func.count()).select_from(outbox))).scalar_one()
    assert (count, replies) == (1, 1)


async def test_the_same_mail_without_message_id_is_a_duplicate_by_content(
    inbox: Inbox,
) -> None:
    raw = shipping_question(message_id=None)
    first = await inbox.deliver(b"Received: from a by b; Fri, 27 Nov 2026 09:00:00 +0900\r\n" + raw)
    again = await inbox.deliver(
        b"Received: from c by d; Fri, 27 Nov 2026 09:00:05 +0900\r\n" + raw, 1
    )
    assert first.state == "done"
    assert again.state == "duplicate"
