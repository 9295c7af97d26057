"""Everything a ticket's card shows, read from the store in one go.

The card is always rendered from a :class:`TicketSnapshot`, never from the event that asked for
it, so a refresh after any change (a follow-up mail, an action, a sent reply) shows the truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.orders import Order, get_order
from bot.store.schema import deadlines, decisions, messages, outbox, slack_threads, tickets

EARLIER_SHOWN = 3


@dataclass(frozen=True)
class EarlierTicket:
    """One of the buyer's other tickets."""

    id: int
    status: str
    subject: str
    created_at: datetime


@dataclass(frozen=True)
class InboundMail:
    """One buyer mail on the ticket, as the card and the "Full mail" view show it."""

    row_id: int
    message_id: str | None
    subject: str
    from_name: str | None
    from_addr: str | None
    sent_at: datetime | None
    text: str
    new_text: str
    attachments: tuple[str, ...]
    intent: str | None
    confidence: float | None
    evidence: tuple[str, ...]
    references: tuple[str, ...]


@dataclass(frozen=True)
class TicketSnapshot:
    """A ticket with its latest mail, decision, order, deadline and history."""

    id: int
    subject: str
    status: str  # the ticket's own status: open | waiting | answered | closed | no_reply
    intent: str | None
    angry: bool
    claim_risk: bool
    buyer_name: str | None
    buyer_address: str | None
    assignee: str | None
    order_id: str | None
    created_at: datetime
    now: datetime
    latest: InboundMail | None
    order: Order | None
    due_at: datetime | None
    draft: str | None
    decision_id: int | None
    decision_reason: str | None
    earlier: tuple[EarlierTicket, ...]
    earlier_total: int
    thread: tuple[str, str] | None  # (channel, thread_ts) once the card is posted

    @property
    def state(self) -> str:
        """What the card says: ``waiting``, ``answered``, ``closed`` or ``overdue``."""
        if self.status in ("closed", "no_reply"):
            return "closed"
        if self.due_at is not None and self.due_at <= self.now:
            return "overdue"
        if self.status == "answered":
            return "answered"
        return "waiting"

    @property
    def carrier(self) -> str | None:
        """The carrier of the order's latest parcel, if any."""
        shipment = self.order.shipment if self.order else None
        return shipment.carrier if shipment else None


def _inbound(row: Any) -> InboundMail:
    understanding = row.understanding or {}
    return InboundMail(
        row_id=int(row.id),
        message_id=row.message_id,
        subject=row.subject or "",
        from_name=row.from_name,
        from_addr=row.from_addr,
        sent_at=row.sent_at,
        text=row.text or "",
        new_text=row.new_text or row.text or "",
        attachments=tuple(str(a.get("filename") or "?") for a in (row.attachments or [])),
        intent=row.intent,
        confidence=row.confidence,
        evidence=tuple(str(e) for e in understanding.get("evidence", [])),
        references=tuple(row.references or ()),
    )


async def inbound_mail(conn: AsyncConnection, row_id: int) -> InboundMail | None:
    """One stored buyer mail by its ``messages`` row id."""
    row = (
        await conn.execute(
            select(messages).where(messages.c.id == row_id, messages.c.direction == "in")
        )
    ).first()
    return _inbound(row) if row is not None else None


async def latest_inbound(conn: AsyncConnection, ticket_id: int) -> InboundMail | None:
    """The ticket's newest buyer mail (not an auto-reply when a real one exists)."""
    rows = (
        await conn.execute(
            select(messages)
            .where(messages.c.ticket_id == ticket_id, messages.c.direction == "in")
            .order_by(messages.c.is_auto.asc(), messages.c.id.desc())
            .limit(1)
        )
    ).first()
    return _inbound(rows) if rows is not None else None


async def load_snapshot(
    conn: AsyncConnection, ticket_id: int, *, now: datetime
) -> TicketSnapshot | None:
    """The ticket's card facts, or None when the ticket does not exist."""
    t = (await conn.execute(select(tickets).where(tickets.c.id == ticket_id))).first()
    if t is None:
        return None
    latest = await latest_inbound(conn, ticket_id)
    decision = (
        await conn.execute(
            select(decisions.c.id, decisions.c.draft, decisions.c.reason)
            .where(decisions.c.ticket_id == ticket_id)
            .order_by(decisions.c.id.desc())
            .limit(1)
        )
    ).first()
    drafted = (
        await conn.execute(
            select(decisions.c.id, decisions.c.draft)
            .where(decisions.c.ticket_id == ticket_id, decisions.c.draft.is_not(None))
            .order_by(decisions.c.id.desc())
            .limit(1)
        )
    ).first()
    due = (
        await conn.execute(
            select(func.min(deadlines.c.due_at)).where(
                deadlines.c.ticket_id == ticket_id, deadlines.c.closed_at.is_(None)
            )
        )
    ).scalar()
    order = await get_order(conn, t.order_id) if t.order_id else None
    earlier: list[EarlierTicket] = []
    total = 0
    if t.buyer_address:
        same_buyer = (tickets.c.buyer_address == t.buyer_address) & (tickets.c.id != ticket_id)
        total = int(
            (
                await conn.execute(select(func.count()).select_from(tickets).where(same_buyer))
            ).scalar_one()
        )
        rows = await conn.execute(
            select(tickets.c.id, tickets.c.status, tickets.c.subject, tickets.c.created_at)
            .where(same_buyer)
            .order_by(tickets.c.created_at.desc(), tickets.c.id.desc())
            .limit(EARLIER_SHOWN)
        )
        earlier = [EarlierTicket(r.id, r.status, r.subject or "", r.created_at) for r in rows]
    thread = (
        await conn.execute(
            select(slack_threads.c.channel, slack_threads.c.thread_ts).where(
                slack_threads.c.ticket_id == ticket_id
            )
        )
    ).first()
    return TicketSnapshot(
        id=int(t.id),
        subject=t.subject or "",
        status=t.status,
        intent=t.intent,
        angry=bool(t.angry),
        claim_risk=bool(t.claim_risk),
        buyer_name=t.buyer_name,
        buyer_address=t.buyer_address,
        assignee=t.assignee,
        order_id=t.order_id,
        created_at=t.created_at,
        now=now,
        latest=latest,
        order=order,
        due_at=due,
        draft=drafted.draft if drafted is not None else None,
        decision_id=int(drafted.id) if drafted is not None else None,
        decision_reason=decision.reason if decision is not None else None,
        earlier=tuple(earlier),
        earlier_total=total,
        thread=(thread.channel, thread.thread_ts) if thread is not None else None,
    )


async def pending_agent_mail(conn: AsyncConnection, ticket_id: int, body: str) -> bool:
    """True when the same text already waits in the outbox for this ticket."""
    hit = (
        await conn.execute(
            select(outbox.c.id).where(
                outbox.c.ticket_id == ticket_id,
                outbox.c.state == "pending",
                outbox.c.body == body,
            )
        )
    ).first()
    return hit is not None
