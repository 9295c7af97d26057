"""Which ticket a mail belongs to: Message-ID links first, then the order, then the sender.

Buyers on phones and groupware drop In-Reply-To (and sometimes References), so a follow-up
must still find its ticket: by the Amazon order ID it cites in the subject or the text (our
own reply, quoted under the buyer's answer, carries it too), and failing that by the
sender's open ticket.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

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


@dataclass(frozen=True)
class ThreadKeys:
    """What a mail offers for finding its ticket, in the order the rules use it."""

    linked: tuple[str, ...]  # Message-IDs it answers, nearest first
    cited: tuple[str, ...]  # order IDs: the understood ones, then subject and whole text
    senders: tuple[str, ...]  # Reply-To, then From


def thread_keys(mail: BuyerMail, order_ids: Iterable[str]) -> ThreadKeys:
    """The keys of one mail (``order_ids`` are those the understand stage found)."""
    cited = dict.fromkeys([*order_ids, *order_ids_in(mail.subject, mail.text)])
    senders = dict.fromkeys(a for a in (mail.reply_address, mail.from_addr) if a)
    return ThreadKeys(tuple(linked_ids(mail)), tuple(cited), tuple(senders))


@dataclass
class TicketFacts:
    """The few columns of a ticket that threading looks at (kept current within a batch)."""

    id: int
    order_id: str | None
    buyer_address: str | None
    status: str
    last_inbound_at: datetime | None
    updated_at: datetime

    def rank(self) -> tuple[datetime, int]:
        """Most recently updated first; among equals, the newest ticket."""
        return (self.updated_at, self.id)


@dataclass
class TicketIndex:
    """Tickets and Message-IDs a set of mails could thread into, loaded once from the store.

    The pipeline loads one index for a whole batch and records each decision in it
    (:meth:`remember_ticket`, :meth:`remember_message`), so a later mail of the same batch
    finds a ticket an earlier one opened exactly as it would after a commit.
    """

    now: datetime
    tickets: dict[int, TicketFacts] = field(default_factory=dict)
    # Message-ID → (ticket id, message row order): the newest message wins.
    messages: dict[str, tuple[int, int]] = field(default_factory=dict)
    replies: dict[str, tuple[int, int]] = field(default_factory=dict)  # our outbox Message-IDs

    @classmethod
    async def load(
        cls, conn: AsyncConnection, keys: Sequence[ThreadKeys], now: datetime
    ) -> TicketIndex:
        """Read what the rules need for every mail in ``keys``."""
        index = cls(now)
        linked = {i for k in keys for i in k.linked}
        cited = {o for k in keys for o in k.cited}
        senders = {a for k in keys for a in k.senders}
        if linked:
            rows = await conn.execute(
                select(messages.c.message_id, messages.c.ticket_id, messages.c.id).where(
                    messages.c.message_id.in_(linked)
                )
            )
            index.messages = {r.message_id: (int(r.ticket_id), int(r.id)) for r in rows}
            rows = await conn.execute(
                select(outbox.c.message_id, outbox.c.ticket_id, outbox.c.id).where(
                    outbox.c.message_id.in_(linked), outbox.c.ticket_id.is_not(None)
                )
            )
            index.replies = {r.message_id: (int(r.ticket_id), int(r.id)) for r in rows}
        wanted: list[ColumnElement[bool]] = [
            tickets.c.id.in_({t for t, _ in (*index.messages.values(), *index.replies.values())})
        ]
        if cited:
            wanted.append(
                tickets.c.order_id.in_(cited) & (tickets.c.updated_at > now - ORDER_WINDOW)
            )
        if senders:
            wanted.append(
                tickets.c.buyer_address.in_(senders) & (tickets.c.updated_at > now - SENDER_WINDOW)
            )
        rows = await conn.execute(
            select(
                tickets.c.id,
                tickets.c.order_id,
                tickets.c.buyer_address,
                tickets.c.status,
                tickets.c.last_inbound_at,
                tickets.c.updated_at,
            ).where(or_(*wanted))
        )
        for r in rows:
            index.tickets[int(r.id)] = TicketFacts(
                int(r.id), r.order_id, r.buyer_address, r.status, r.last_inbound_at, r.updated_at
            )
        return index

    def resolve(self, keys: ThreadKeys) -> tuple[int | None, str]:
        """The ticket these keys continue (or None) and how it was found."""
        for table in (self.messages, self.replies):
            hits = [table[i] for i in keys.linked if i in table]
            if hits:
                return max(hits, key=lambda hit: hit[1])[0], "message-id"
        # Tickets opened only by auto-replies or bounces are not conversations.
        talking = [t for t in self.tickets.values() if t.last_inbound_at is not None]
        if keys.cited:
            by_order = [
                t
                for t in talking
                if t.order_id in keys.cited and t.updated_at > self.now - ORDER_WINDOW
            ]
            if by_order:
                return max(by_order, key=TicketFacts.rank).id, "order-id"
        if keys.senders:
            by_sender = [
                t
                for t in talking
                if t.buyer_address in keys.senders
                and t.status in OPEN_STATUSES
                and t.updated_at > self.now - SENDER_WINDOW
                # A mail about another order is a new question, not a follow-up.
                and (not keys.cited or t.order_id is None or t.order_id in keys.cited)
            ]
            if by_sender:
                return max(by_sender, key=TicketFacts.rank).id, "sender"
        return None, "new"

    def remember_ticket(self, facts: TicketFacts) -> None:
        """A ticket opened or changed by a mail decided earlier in the same batch."""
        self.tickets[facts.id] = facts

    def remember_message(self, message_id: str | None, ticket_id: int, order: int) -> None:
        """A message stored earlier in the same batch (``order`` above every stored row)."""
        if message_id:
            self.messages[message_id] = (ticket_id, order)


async def find_ticket(
    conn: AsyncConnection, mail: BuyerMail, order_ids: list[str], *, now: datetime
) -> tuple[int | None, str]:
    """The ticket id this mail continues (or None) and how it was found.

    ``order_ids`` are the ones the understand stage found in the new text; the subject and
    the whole text (quotes included) are searched after them.
    """
    keys = thread_keys(mail, order_ids)
    index = await TicketIndex.load(conn, [keys], now)
    return index.resolve(keys)
