"""Mails, orders and settings the mail tests share."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.config import MailboxSettings, Settings
from bot.orders import OrderRow, save_order
from bot.store import Store
from bot.store.schema import raw_mails
from tests.mailfactory import RELAY, buyer_mail
from tests.servers import SmtpSink

SHOP = "shop@mirai-zakka.example.jp"
ORDER = "249-1234567-1234567"


def shipping_question(
    order_id: str = ORDER,
    *,
    sender: str = RELAY,
    message_id: str | None = "<q1@buyer.example.jp>",
    **changes: object,
) -> bytes:
    """A buyer asking where an order is: the placeholder and the real classifier answer it."""
    body = (
        f"注文番号{order_id}の商品は、いつ頃届く予定でしょうか。\n"
        "発送状況を教えてください。\nよろしくお願いします。\n"
    )
    return buyer_mail(
        body,
        subject=str(changes.pop("subject", "配送状況について")),
        sender=sender,
        message_id=message_id,
        **changes,  # type: ignore[arg-type]
    )


async def add_order(
    store: Store,
    order_id: str = ORDER,
    *,
    buyer: str | None = RELAY,
    now: datetime | None = None,
) -> None:
    """A shipped order with a valid Yamato tracking number."""
    when = now or datetime.now(UTC)
    async with store.begin() as conn:
        await save_order(
            conn,
            OrderRow(
                line=2,
                order_id=order_id,
                status="shipped",
                buyer_email=buyer,
                carrier="yamato",
                tracking_number="123456789013",
                shipped_at=when,
                items="ステンレス製ボトル",
            ),
            now=when,
        )


def desk_settings(
    make_settings: Callable[..., Settings],
    db_url: str,
    mailboxes: tuple[MailboxSettings, ...],
    sink: SmtpSink,
    **changes: Any,
) -> Settings:
    """Settings for a Desk reading ``mailboxes`` and sending to ``sink``."""
    base = make_settings(db_url)
    return replace(base, mailboxes=mailboxes, outbox=sink.outbox(), poll_seconds=30.0, **changes)


async def eventually(
    check: Callable[[], Awaitable[bool] | bool], seconds: float = 15.0, what: str = ""
) -> None:
    """Wait until ``check()`` is true; fail the test after ``seconds`` (never a timing assert)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not true after {seconds} s: {what or check}")
        await asyncio.sleep(0.05)


async def stored_message_ids(store: Store) -> list[str | None]:
    """The Message-ID of every raw mail in the store, in arrival order."""
    async with store.connect() as conn:
        rows = await conn.execute(select(raw_mails.c.message_id).order_by(raw_mails.c.id))
        return [r.message_id for r in rows]
