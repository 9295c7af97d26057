"""A known desk history around Thursday 2026-11-26, for digests computed by hand.

Times are Japan time. The daily digest of the 26th, made at 09:00 on the 27th, must show:

* received 7 (M1 M2 M3 M4 M6 M7 M8), automatic 1 (M5)
* outcomes: auto 1 (M1), agent 3 (M2 M3 M7), no reply 2 (M4, M8 closed without reply),
  waiting 1 (M6)
* first responses: 0.5, 60, 90, 420 min → median 75 min, p90 (nearest rank 4 of 4) 420 min;
  agents only: 60, 90, 420 → median 90, p90 (rank 3 of 3) 420
* deadlines due on the 26th: D1 15:00 met, D2 16:00 met, D3 17:00 missed (replied 18:00,
  60 min late), D6 20:00 missed (still open at 09:00 next day: 13 h late) → met 2, missed 2
* replies sent: bot 1, agents 3; send failures 1
* the 25th: received 2, auto 1, agent 1, responses 1 and 480 min (median 240.5), met 1, missed 1
* open at 09:00 on the 27th: T6 (13 h overdue), T10 (due 14:00, 5 h left; its mail came on
  the 27th, so it is not counted as received on the 26th)
* at risk: T2 (angry, answered), T6 (claim risk, waiting)
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert

from bot.clock import JST
from bot.digest.history import DeadlineRecord, History, MailRecord, ReplyRecord, TicketRecord
from bot.store import Store
from bot.store.schema import deadlines, decisions, messages, outbox, tickets


def jst(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=JST)


AS_OF = jst(27, 9)

TICKETS = (
    TicketRecord(1, "配送状況を教えてください", "answered", "249-1000001-0000001"),
    TicketRecord(2, "商品が壊れていました", "answered", "249-1000002-0000002", angry=True),
    TicketRecord(3, "返品したいです", "answered"),
    TicketRecord(4, "ありがとうございました", "closed"),
    TicketRecord(5, "自動応答: 不在です", "closed"),
    TicketRecord(6, "まだ届きません", "waiting", "249-1000006-0000006", claim_risk=True),
    TicketRecord(7, "キャンセルしたい", "answered"),
    TicketRecord(8, "いつ届きますか", "answered"),
    TicketRecord(9, "使い方を教えてください", "answered"),
    TicketRecord(10, "支払い方法について", "waiting"),
)

MAILS = (
    MailRecord(1, 1, jst(26, 9), "shipping_status", decision="reply"),
    MailRecord(2, 2, jst(26, 10), "defective", angry=True, decision="handoff"),
    MailRecord(3, 3, jst(26, 11), "return_refund", decision="handoff"),
    MailRecord(4, 4, jst(26, 12), "thanks", decision="none"),
    MailRecord(5, 5, jst(26, 13), "other", is_auto=True, decision="none"),
    MailRecord(6, 6, jst(26, 14), "not_received", decision="handoff"),
    MailRecord(7, 7, jst(26, 20), "cancel", decision="handoff"),
    MailRecord(8, 1, jst(26, 22), "shipping_status", decision="handoff"),
    MailRecord(9, 8, jst(25, 10), "shipping_status", decision="reply"),
    MailRecord(10, 9, jst(25, 15), "product_question", decision="handoff"),
    MailRecord(11, 10, jst(27, 8), "payment", decision="handoff"),
)

DEADLINES = (
    DeadlineRecord(1, 1, 1, jst(26, 9), jst(26, 15), jst(26, 9, 0, 30), "replied_bot"),
    DeadlineRecord(2, 2, 2, jst(26, 10), jst(26, 16), jst(26, 11, 30), "replied_agent"),
    DeadlineRecord(3, 3, 3, jst(26, 11), jst(26, 17), jst(26, 18), "replied_agent"),
    DeadlineRecord(4, 6, 6, jst(26, 14), jst(26, 20)),
    DeadlineRecord(5, 7, 7, jst(26, 20), jst(27, 2), jst(26, 21), "replied_agent"),
    DeadlineRecord(6, 1, 8, jst(26, 22), jst(27, 4), jst(27, 8), "no_reply_needed"),
    DeadlineRecord(7, 8, 9, jst(25, 10), jst(25, 16), jst(25, 10, 1), "replied_bot"),
    DeadlineRecord(8, 9, 10, jst(25, 15), jst(25, 21), jst(25, 23), "replied_agent"),
    DeadlineRecord(9, 10, 11, jst(27, 8), jst(27, 14)),
)

REPLIES = (
    ReplyRecord(1, 1, "bot", "sent", jst(26, 9), jst(26, 9, 0, 30)),
    ReplyRecord(2, 2, "agent:U1", "sent", jst(26, 11, 29), jst(26, 11, 30)),
    ReplyRecord(3, 3, "agent:U1", "sent", jst(26, 17, 59), jst(26, 18)),
    ReplyRecord(4, 6, "agent:U2", "failed", jst(26, 15)),
    ReplyRecord(5, 7, "agent:U2", "sent", jst(26, 20, 59), jst(26, 21)),
    ReplyRecord(6, 8, "bot", "sent", jst(25, 10), jst(25, 10, 1)),
    ReplyRecord(7, 9, "agent:U1", "sent", jst(25, 22, 59), jst(25, 23)),
)

HISTORY = History(MAILS, DEADLINES, {t.id: t for t in TICKETS}, REPLIES)


async def seed(store: Store) -> None:
    """Write the story into an empty store with the same ids (checked as they are made)."""
    async with store.begin() as conn:
        for t in TICKETS:
            new = await conn.execute(
                insert(tickets)
                .values(
                    subject=t.subject,
                    status=t.status,
                    order_id=t.order_id,
                    angry=t.angry,
                    claim_risk=t.claim_risk,
                    created_at=jst(25, 0),
                    updated_at=jst(25, 0),
                )
                .returning(tickets.c.id)
            )
            assert new.scalar_one() == t.id
        for m in MAILS:
            new = await conn.execute(
                insert(messages)
                .values(
                    ticket_id=m.ticket_id,
                    direction="in",
                    message_id=f"<story-{m.id}@buyer.example.jp>",
                    intent=m.intent,
                    is_auto=m.is_auto,
                    angry=m.angry,
                    author="buyer",
                    created_at=m.received_at,
                )
                .returning(messages.c.id)
            )
            assert new.scalar_one() == m.id
            await conn.execute(
                insert(decisions).values(
                    message_id=m.id,
                    ticket_id=m.ticket_id,
                    kind=m.decision,
                    intent=m.intent,
                    created_at=m.received_at,
                )
            )
        for d in DEADLINES:
            new = await conn.execute(
                insert(deadlines)
                .values(
                    ticket_id=d.ticket_id,
                    message_id=d.message_id,
                    policy="csba",
                    opened_at=d.opened_at,
                    due_at=d.due_at,
                    closed_at=d.closed_at,
                    close_reason=d.close_reason,
                )
                .returning(deadlines.c.id)
            )
            assert new.scalar_one() == d.id
        for r in REPLIES:
            await conn.execute(
                insert(outbox).values(
                    ticket_id=r.ticket_id,
                    message_id=f"<story-reply-{r.id}@shop.example.jp>",
                    mail_from="shop@mirai-zakka.example.jp",
                    rcpt_to=["buyer@example.jp"],
                    subject="Re",
                    body="",
                    raw=b"",
                    author=r.author,
                    state=r.state,
                    not_before=r.created_at,
                    created_at=r.created_at,
                    sent_at=r.sent_at,
                )
            )
