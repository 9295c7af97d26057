"""What the digest needs from the store, read once into plain records.

The figures are then pure functions of these records, so tests can hand-write a history and
compare with hand-computed numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.schema import deadlines, decisions, messages, outbox, tickets
from bot.store.sql import rows_by_id


@dataclass(frozen=True)
class MailRecord:
    """One inbound buyer mail."""

    id: int
    ticket_id: int
    received_at: datetime
    intent: str | None = None
    is_auto: bool = False
    angry: bool = False
    decision: str | None = None  # reply | handoff | none (None when no decision was stored)


@dataclass(frozen=True)
class DeadlineRecord:
    """One reply deadline (one per inbound mail that needed an answer)."""

    id: int
    ticket_id: int
    message_id: int | None
    opened_at: datetime
    due_at: datetime
    closed_at: datetime | None = None
    close_reason: str | None = None


@dataclass(frozen=True)
class TicketRecord:
    """The parts of a ticket a seller sees in a digest (no buyer address)."""

    id: int
    subject: str
    status: str
    order_id: str | None = None
    angry: bool = False
    claim_risk: bool = False


@dataclass(frozen=True)
class ReplyRecord:
    """One outgoing reply to a buyer, as the outbox knows it."""

    id: int
    ticket_id: int
    author: str  # "bot" or "agent:<who>"
    state: str  # pending | sending | sent | failed | cancelled | held
    created_at: datetime
    sent_at: datetime | None = None


@dataclass(frozen=True)
class History:
    """Everything a digest is computed from."""

    mails: tuple[MailRecord, ...] = ()
    deadlines: tuple[DeadlineRecord, ...] = ()
    tickets: Mapping[int, TicketRecord] = field(default_factory=dict)
    replies: tuple[ReplyRecord, ...] = ()


async def load_history(
    conn: AsyncConnection, start: datetime, end: datetime, as_of: datetime
) -> History:
    """Read the records of ``[start, end)``, plus every deadline still open at ``as_of``."""
    mail_rows = (
        await conn.execute(
            select(
                messages.c.id,
                messages.c.ticket_id,
                messages.c.created_at,
                messages.c.intent,
                messages.c.is_auto,
                messages.c.angry,
                decisions.c.kind,
            )
            .select_from(messages.outerjoin(decisions, decisions.c.message_id == messages.c.id))
            .where(
                messages.c.direction == "in",
                messages.c.created_at >= start,
                messages.c.created_at < end,
            )
            .order_by(messages.c.id)
        )
    ).all()
    mails = tuple(
        MailRecord(
            id=r.id,
            ticket_id=r.ticket_id,
            received_at=r.created_at,
            intent=r.intent,
            is_auto=bool(r.is_auto),
            angry=bool(r.angry),
            decision=r.kind,
        )
        for r in mail_rows
    )
    in_window = or_(
        and_(deadlines.c.opened_at >= start, deadlines.c.opened_at < end),
        and_(deadlines.c.due_at >= start, deadlines.c.due_at < end),
    )
    open_at_as_of = and_(
        deadlines.c.opened_at <= as_of,
        or_(deadlines.c.closed_at.is_(None), deadlines.c.closed_at > as_of),
    )
    deadline_records = tuple(
        DeadlineRecord(**r._mapping)
        for r in await conn.execute(
            select(*(deadlines.c[f.name] for f in fields(DeadlineRecord)))
            .where(or_(in_window, open_at_as_of))
            .order_by(deadlines.c.id)
        )
    )
    replies = tuple(
        ReplyRecord(**r._mapping)
        for r in await conn.execute(
            select(*(outbox.c[f.name] for f in fields(ReplyRecord)))
            .where(
                outbox.c.ticket_id.is_not(None),
                or_(
                    and_(outbox.c.created_at >= start, outbox.c.created_at < end),
                    and_(outbox.c.sent_at >= start, outbox.c.sent_at < end),
                ),
            )
            .order_by(outbox.c.id)
        )
    )
    ticket_rows = await rows_by_id(
        conn, tickets, {m.ticket_id for m in mails} | {d.ticket_id for d in deadline_records}
    )
    ticket_map = {
        ticket_id: TicketRecord(
            id=r.id,
            subject=r.subject or "",
            status=r.status,
            order_id=r.order_id,
            angry=bool(r.angry),
            claim_risk=bool(r.claim_risk),
        )
        for ticket_id, r in ticket_rows.items()
    }
    return History(mails, deadline_records, ticket_map, replies)
