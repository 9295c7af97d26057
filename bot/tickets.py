"""What a reply leaving (or failing to leave) does to its ticket."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import audit
from bot.deadlines.ledger import close_deadlines_of
from bot.mail.outbox import OutboxEntry
from bot.store.schema import messages, outbox, slack_threads, tickets
from bot.store.slack_queue import queue_thread_message, queue_ticket
from bot.store.sql import rows_by_id


async def record_sent(
    conn: AsyncConnection,
    entries: Sequence[OutboxEntry],
    now: datetime,
    *,
    notify_slack: bool = False,
) -> None:
    """Replies left: each joins its ticket, closes its deadlines, and counts as the response.

    With ``notify_slack``, the ticket's Slack thread says so (with the Message-ID) for every
    agent's reply, and for the bot's when the ticket already has a thread. Mail that belongs
    to no ticket (a digest to the seller) is left out.
    """
    entries = [e for e in entries if e.ticket_id is not None]
    if not entries:
        return
    # The sender claimed whole rows: subject and body come with them; others are read here.
    unread = [e.id for e in entries if e.subject is None or e.body is None]
    stored = {i: (r.subject, r.body) for i, r in (await rows_by_id(conn, outbox, unread)).items()}
    texts = {e.id: stored.get(e.id, (e.subject, e.body)) for e in entries}
    await conn.execute(
        insert(messages),
        [
            {
                "ticket_id": e.ticket_id,
                "direction": "out",
                "message_id": e.message_id,
                "from_addr": e.mail_from,
                "to_addrs": e.rcpt_to,
                "subject": texts[e.id][0],
                "sent_at": now,
                "text": texts[e.id][1],
                "new_text": texts[e.id][1],
                "author": e.author,
                "created_at": now,
            }
            for e in entries
        ],
    )
    reasons: dict[int, str] = {}
    for e in entries:
        assert e.ticket_id is not None
        reasons.setdefault(e.ticket_id, "replied_bot" if e.author == "bot" else "replied_agent")
    await close_deadlines_of(conn, reasons, now=now)
    await conn.execute(
        update(tickets)
        .where(tickets.c.id.in_(set(reasons)))
        .values(
            updated_at=now,
            first_response_at=func.coalesce(tickets.c.first_response_at, now),
            status=case((tickets.c.status == "closed", tickets.c.status), else_="answered"),
        )
    )
    await audit.record_many(
        conn,
        [
            {
                "kind": "reply.sent",
                "ticket_id": e.ticket_id,
                "actor": e.author,
                "detail": {"outbox": e.id, "message_id": e.message_id},
            }
            for e in entries
        ],
        now=now,
    )
    if not notify_slack:
        return
    threads = {
        int(t)
        for t in (
            await conn.execute(
                select(slack_threads.c.ticket_id).where(slack_threads.c.ticket_id.in_(set(reasons)))
            )
        ).scalars()
    }
    for e in entries:
        if e.author.startswith("agent:") or e.ticket_id in threads:
            assert e.ticket_id is not None
            await queue_thread_message(
                conn,
                ticket_id=e.ticket_id,
                text=f"Sent: {e.message_id}",
                now=now,
                notice="mail_sent",
                message_id=e.message_id,
                author=e.author,
            )


async def record_send_failure(
    conn: AsyncConnection,
    entry: OutboxEntry,
    reason: str,
    now: datetime,
    *,
    notify_slack: bool = False,
) -> None:
    """A reply could not be delivered: the ticket goes back to the agents with the reason."""
    if entry.ticket_id is None:  # mail to the seller (a digest): the outbox row keeps the reason
        return
    await conn.execute(
        update(tickets)
        .where(tickets.c.id == entry.ticket_id)
        .values(status="waiting", updated_at=now)
    )
    if notify_slack:
        await queue_ticket(
            conn,
            ticket_id=entry.ticket_id,
            now=now,
            decision="send_failed",
            reason=reason,
            outbox_id=entry.id,
        )
    await audit.record(
        conn,
        "reply.failed",
        now=now,
        ticket_id=entry.ticket_id,
        actor=entry.author,
        outbox=entry.id,
        reason=reason,
    )
