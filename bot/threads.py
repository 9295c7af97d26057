"""Which ticket a mail belongs to: Message-ID links first, then the order, then the sender.

Buyers on phones and groupware drop In-Reply-To, so a follow-up must still find its ticket
by the order ID it cites or by the sender's open ticket.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.mail.message import BuyerMail
from bot.store.schema import messages, outbox, tickets

ORDER_WINDOW = timedelta(days=60)
SENDER_WINDOW = timedelta(days=14)
OPEN_STATUSES = ("open", "waiting", "answered")


async def find_ticket(
    conn: AsyncConnection, mail: BuyerMail, order_ids: list[str], *, now: datetime
) -> tuple[int | None, str]:
    """The ticket id this mail continues (or None) and how it was found."""
    linked = [i for i in [mail.in_reply_to, *reversed(mail.references)] if i]
    if linked:
        hit = (
            await conn.execute(
                select(messages.c.ticket_id)
                .where(messages.c.message_id.in_(linked))
                .order_by(messages.c.id.desc())
                .limit(1)
            )
        ).scalar()
        if hit is None:
            hit = (
                await conn.execute(
                    select(outbox.c.ticket_id)
                    .where(outbox.c.message_id.in_(linked))
                    .order_by(outbox.c.id.desc())
                    .limit(1)
                )
            ).scalar()
        if hit is not None:
            return int(hit), "message-id"
    if order_ids:
        hit = (
            await conn.execute(
                select(tickets.c.id)
                .where(
                    tickets.c.order_id.in_(order_ids),
                    tickets.c.updated_at > now - ORDER_WINDOW,
                    # tickets opened only by auto-replies or bounces are not conversations
                    tickets.c.last_inbound_at.is_not(None),
                )
                .order_by(tickets.c.updated_at.desc())
                .limit(1)
            )
        ).scalar()
        if hit is not None:
            return int(hit), "order-id"
    sender = mail.reply_address
    if sender:
        hit = (
            await conn.execute(
                select(tickets.c.id)
                .where(
                    tickets.c.buyer_address == sender,
                    tickets.c.status.in_(OPEN_STATUSES),
                    tickets.c.last_inbound_at.is_not(None),
                    tickets.c.updated_at > now - SENDER_WINDOW,
                )
                .order_by(tickets.c.updated_at.desc())
                .limit(1)
            )
        ).scalar()
        if hit is not None:
            return int(hit), "sender"
    return None, "new"
