"""Which ticket a mail belongs to: Message-ID links first, then the order, then the sender.

Buyers on phones and groupware drop In-Reply-To (and sometimes References), so a follow-up
must still find its ticket: by the Amazon order ID it cites in the subject or the text (our
own reply, quoted under the buyer's answer, carries it too), and failing that by the
sender's open ticket.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.mail.message import BuyerMail
from bot.store.schema import messages, outbox, tickets

ORDER_WINDOW = timedelta(days=60)
SENDER_WINDOW = timedelta(days=14)
OPEN_STATUSES = ("open", "waiting", "answered")

_ANGLE_ID = re.compile(r"<[^<>\s]+>")
_DASH = "-－ー−‐‑–—"
_ORDER_ID = re.compile(rf"(?<!\d)(\d{{3}})[{_DASH}](\d{{7}})[{_DASH}](\d{{7}})(?!\d)")


def linked_ids(mail: BuyerMail) -> list[str]:
    """Message-IDs the mail answers, nearest first: In-Reply-To, then References newest first.

    Groupware adds comments (``<id> (Taro's message of ...)``) or drops the angle brackets;
    both are read as the bare ``<id>``.
    """
    found: list[str] = []
    for value in [mail.in_reply_to or "", *reversed(mail.references)]:
        ids = _ANGLE_ID.findall(value)
        if not ids and value.strip() and " " not in value.strip():
            ids = [f"<{value.strip().strip('<>')}>"]
        found.extend(i for i in ids if i not in found)
    return found


def order_ids_in(*texts: str) -> list[str]:
    """Amazon order IDs in the texts, in order of appearance (full-width digits and dashes too)."""
    found: list[str] = []
    for text in texts:
        folded = unicodedata.normalize("NFKC", text or "")
        for match in _ORDER_ID.finditer(folded):
            order_id = "-".join(match.groups())
            if order_id not in found:
                found.append(order_id)
    return found


async def find_ticket(
    conn: AsyncConnection, mail: BuyerMail, order_ids: list[str], *, now: datetime
) -> tuple[int | None, str]:
    """The ticket id this mail continues (or None) and how it was found.

    ``order_ids`` are the ones the understand stage found in the new text; the subject and
    the whole text (quotes included) are searched after them.
    """
    linked = linked_ids(mail)
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
            # A reply still waiting in the outbox (or sent before it was recorded).
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
    cited = list(dict.fromkeys([*order_ids, *order_ids_in(mail.subject, mail.text)]))
    if cited:
        hit = (
            await conn.execute(
                select(tickets.c.id)
                .where(
                    tickets.c.order_id.in_(cited),
                    tickets.c.updated_at > now - ORDER_WINDOW,
                    # tickets opened only by auto-replies or bounces are not conversations
                    tickets.c.last_inbound_at.is_not(None),
                )
                .order_by(tickets.c.updated_at.desc(), tickets.c.id.desc())
                .limit(1)
            )
        ).scalar()
        if hit is not None:
            return int(hit), "order-id"
    senders = [a for a in dict.fromkeys([mail.reply_address, mail.from_addr]) if a]
    if senders:
        query = select(tickets.c.id).where(
            tickets.c.buyer_address.in_(senders),
            tickets.c.status.in_(OPEN_STATUSES),
            tickets.c.last_inbound_at.is_not(None),
            tickets.c.updated_at > now - SENDER_WINDOW,
        )
        if cited:
            # A mail about another order is a new question, not a follow-up.
            query = query.where(tickets.c.order_id.is_(None) | tickets.c.order_id.in_(cited))
        hit = (
            await conn.execute(
                query.order_by(tickets.c.updated_at.desc(), tickets.c.id.desc()).limit(1)
            )
        ).scalar()
        if hit is not None:
            return int(hit), "sender"
    return None, "new"
