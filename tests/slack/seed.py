"""A realistic handed-off ticket written straight into the store (independent of the classifier)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import insert

from bot.config import DeadlineSettings
from bot.deadlines import open_deadline
from bot.orders import OrderRow, save_order
from bot.store import Store
from bot.store.schema import decisions, messages, slack_outbox, tickets

BUYER = "k2x7q9w3e5r1t8y@marketplace.amazon.co.jp"
BUYER_MESSAGE_ID = "<CAB7x-buyer-001@mail.gmail.com>"
ORDER_ID = "249-1234567-1234567"
TRACKING = "123456789013"

BUYER_TEXT = (
    "11月20日に注文した加湿器がまだ届きません。\n"
    "追跡番号を見ても「輸送中」のままです。いつ届くのでしょうか。\n"
    "週末に使いたいので、至急確認をお願いします。"
)
FULL_TEXT = (
    BUYER_TEXT
    + "\n\n山田 太郎\n\n"
    + "> ミライ雑貨店です。ご注文ありがとうございます。\n> 本日発送いたしました。\n"
)
DRAFT = (
    "山田 太郎 様\n\nミライ雑貨店でございます。\nお問い合わせいただきありがとうございます。\n\n"
    "ご注文の商品はヤマト運輸にて輸送中でございます。\n"
    "追跡番号：123456789013\n\n"
    "今後ともミライ雑貨店をよろしくお願いいたします。\n\nミライ雑貨店 カスタマーサポート\n"
)


@dataclass(frozen=True)
class Seeded:
    """Ids of what :func:`seed_ticket` wrote."""

    ticket_id: int
    message_row_id: int
    decision_id: int
    queued_row: int | None


async def seed_ticket(
    store: Store,
    now: datetime,
    *,
    subject: str = "注文した商品がまだ届きません",
    text: str = BUYER_TEXT,
    full_text: str = FULL_TEXT,
    buyer: str = BUYER,
    message_id: str | None = None,
    intent: str = "shipping_status",
    confidence: float = 0.82,
    evidence: tuple[str, ...] = ("届きません", "まだ", "追跡番号"),
    angry: bool = False,
    claim_risk: bool = False,
    draft: str | None = DRAFT,
    with_order: bool = True,
    queue: bool = True,
    earlier_tickets: int = 0,
) -> Seeded:
    """A ticket handed to agents: buyer mail, decision with draft, order, deadline, queue row."""
    if message_id is None:
        message_id = BUYER_MESSAGE_ID if buyer == BUYER else f"<first-{buyer}>"
    async with store.begin() as conn:
        if with_order:
            await save_order(
                conn,
                OrderRow(
                    line=2,
                    order_id=ORDER_ID,
                    status="shipped",
                    buyer_email=buyer,
                    carrier="yamato",
                    tracking_number=TRACKING,
                    shipped_at=now - timedelta(days=5),
                    promised_from=date(2026, 11, 22),
                    promised_to=date(2026, 11, 24),
                    items="スチーム式加湿器 HM-300（ホワイト）",
                ),
                now=now,
            )
        for n in range(earlier_tickets):
            await conn.execute(
                insert(tickets).values(
                    buyer_address=buyer,
                    subject=f"以前の問い合わせ {n + 1}",
                    status="closed",
                    created_at=now - timedelta(days=30 - n),
                    updated_at=now - timedelta(days=30 - n),
                )
            )
        ticket_id = int(
            (
                await conn.execute(
                    insert(tickets)
                    .values(
                        buyer_address=buyer,
                        buyer_name="山田 太郎",
                        subject=subject,
                        order_id=ORDER_ID if with_order else None,
                        status="waiting",
                        intent=intent,
                        angry=angry,
                        claim_risk=claim_risk,
                        language="ja",
                        created_at=now,
                        updated_at=now,
                        last_inbound_at=now,
                    )
                    .returning(tickets.c.id)
                )
            ).scalar_one()
        )
        message_row = int(
            (
                await conn.execute(
                    insert(messages)
                    .values(
                        ticket_id=ticket_id,
                        direction="in",
                        message_id=message_id,
                        references=["<earlier-ref@mail.gmail.com>"],
                        from_addr=buyer,
                        from_name="山田 太郎",
                        to_addrs=["shop@mirai-zakka.example.jp"],
                        subject=subject,
                        sent_at=now - timedelta(minutes=3),
                        text=full_text,
                        new_text=text,
                        intent=intent,
                        confidence=confidence,
                        angry=angry,
                        action="handoff",
                        understanding={"evidence": list(evidence), "intent": intent},
                        attachments=[],
                        author="buyer",
                        created_at=now,
                    )
                    .returning(messages.c.id)
                )
            ).scalar_one()
        )
        decision_id = int(
            (
                await conn.execute(
                    insert(decisions)
                    .values(
                        message_id=message_row,
                        ticket_id=ticket_id,
                        kind="handoff",
                        intent=intent,
                        handler="handlers.shipping.where_is_my_parcel",
                        reason="the parcel is late: a human answers",
                        draft=draft,
                        facts={},
                        created_at=now,
                    )
                    .returning(decisions.c.id)
                )
            ).scalar_one()
        )
        await open_deadline(
            conn,
            ticket_id=ticket_id,
            message_id=message_row,
            policy="csba",
            now=now,
            settings=DeadlineSettings(),
        )
        queued = None
        if queue:
            queued = int(
                (
                    await conn.execute(
                        insert(slack_outbox)
                        .values(
                            ticket_id=ticket_id,
                            kind="ticket",
                            payload={
                                "ticket_id": ticket_id,
                                "message_id": message_row,
                                "decision": "handoff",
                            },
                            state="pending",
                            not_before=now,
                            created_at=now,
                        )
                        .returning(slack_outbox.c.id)
                    )
                ).scalar_one()
            )
    return Seeded(ticket_id, message_row, decision_id, queued)
