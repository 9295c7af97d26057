"""One buyer mail through the flow: parse → understand → thread → route → act → store.

Each raw mail is claimed from the store, worked on in memory, and its whole result (ticket,
message, decision, outbox entry, deadline, Slack queue entry, audit events, and the raw
mail's new state) is written in ONE transaction. A crash anywhere before the commit leaves
the raw mail claimable again; nothing is half-done and nothing is done twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import audit
from bot.act import GateFacts, Outcome, buyer_display_name, decide, reference_time
from bot.clock import Clock
from bot.config import Settings
from bot.deadlines import close_deadlines, open_deadline
from bot.logs import kv
from bot.mail.compose import compose, make_message_id, reply_subject
from bot.mail.message import BuyerMail
from bot.mail.outbox import OutboxEntry, enqueue
from bot.mail.parse import parse_mail
from bot.nlp import Understanding, understand
from bot.orders import Order, get_order, orders_of_buyer
from bot.router import HandlerContext, Router, TicketView
from bot.store import Store
from bot.store.schema import (
    decisions,
    messages,
    outbox,
    raw_mails,
    slack_threads,
    tickets,
)
from bot.store.slack_queue import queue_thread_message, queue_ticket
from bot.templates import Renderer
from bot.threads import find_ticket

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Processed:
    """What happened to one raw mail."""

    raw_mail_id: int
    state: str  # done | duplicate | failed | skipped
    ticket_id: int | None = None
    message_row_id: int | None = None
    mail: BuyerMail | None = None
    nlu: Understanding | None = None
    outcome: Outcome | None = None
    thread: str = "new"
    order_id: str | None = None
    outbox_id: int | None = None
    error: str | None = None


def _jsonable(nlu: Understanding) -> dict[str, Any]:
    return {
        **nlu.to_contract(None),
        "other_intents": list(nlu.other_intents),
        "language": nlu.language,
        "claim_risk": nlu.claim_risk,
        "dates": [d.isoformat() for d in nlu.dates],
    }


class Pipeline:
    """Processes claimed raw mails into decisions."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Clock,
        router: Router,
        renderer: Renderer,
        *,
        policies: dict[int, str] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.router = router
        self.renderer = renderer
        self.policies = policies or {}  # mailbox id → deadline policy
        self.worker = settings.worker_id

    async def claim(self, limit: int = 20) -> list[Any]:
        """Lease up to ``limit`` raw mails waiting to be processed."""
        return await self.store.claim(
            raw_mails,
            raw_mails.c.state == "received",
            worker=self.worker,
            now=self.clock.now(),
            lease=LEASE,
            limit=limit,
        )

    async def process_pending(self, limit: int = 20) -> list[Processed]:
        """Claim and process up to ``limit`` waiting mails."""
        results = []
        for row in await self.claim(limit):
            results.append(await self.process(row))
        return results

    async def process(self, row: Any) -> Processed:
        """Process one claimed raw mail; unexpected errors are retried, then handed to a human."""
        try:
            return await self._process(row)
        except Exception as exc:
            log.exception(
                kv(
                    "pipeline.error",
                    raw_mail=row.id,
                    attempt=row.attempts,
                    error=type(exc).__name__,
                )
            )
            if row.attempts < MAX_ATTEMPTS:
                await self.store.release(raw_mails, row.id, worker=self.worker)
                return Processed(row.id, "skipped", error=str(exc))
            return await self._give_up(row, f"{type(exc).__name__}: {exc}")

    async def _process(self, row: Any) -> Processed:
        now = self.clock.now()
        mail = parse_mail(row.raw)
        nlu = understand(mail.subject, mail.new_text, mail_date=reference_time(mail, now))
        shop = self.settings.shop
        async with self.store.begin() as conn:
            if not await self._still_ours(conn, row.id):
                return Processed(row.id, "skipped", error="claim lost")
            duplicate = await self._duplicate_of(conn, row, mail)
            if duplicate is not None:
                await self._finish_raw(conn, row.id, "duplicate", now)
                await audit.record(
                    conn, "mail.duplicate", now=now, raw_mail_id=row.id, ticket_id=duplicate
                )
                log.info(kv("pipeline.duplicate", raw_mail=row.id, ticket=duplicate))
                return Processed(row.id, "duplicate", ticket_id=duplicate, mail=mail, nlu=nlu)

            ticket_id, how = await find_ticket(conn, mail, nlu.order_ids, now=now)
            ticket_row = None
            if ticket_id is not None:
                ticket_row = (
                    await conn.execute(select(tickets).where(tickets.c.id == ticket_id))
                ).first()
            order, candidates = await self._find_order(conn, mail, nlu, ticket_row)
            sender = mail.reply_address
            gate = GateFacts(
                shop_addresses=shop.addresses,
                auto_replies_to_sender_24h=await self._auto_replies_to(conn, sender, now),
            )
            earlier = 0
            if sender:
                earlier = int(
                    (
                        await conn.execute(
                            select(func.count())
                            .select_from(tickets)
                            .where(
                                tickets.c.buyer_address == sender, tickets.c.id != (ticket_id or -1)
                            )
                        )
                    ).scalar_one()
                )
            ctx = HandlerContext(
                mail=mail,
                nlu=nlu,
                shop=shop,
                ticket=TicketView(
                    id=ticket_id or 0, is_new=ticket_id is None, earlier_tickets=earlier
                ),
                now=now,
                order=order,
                orders=tuple(candidates),
            )
            outcome = await decide(self.router, self.renderer, ctx, gate)

            ticket_id = await self._save_ticket(
                conn, ticket_row, mail, nlu, outcome, order, row.mailbox_id, now
            )
            message_row_id = await self._save_message(conn, ticket_id, row.id, mail, nlu, now)
            decision_id = int(
                (
                    await conn.execute(
                        insert(decisions)
                        .values(
                            message_id=message_row_id,
                            ticket_id=ticket_id,
                            kind=outcome.kind,
                            intent=nlu.intent,
                            handler=outcome.handler,
                            template=outcome.template,
                            reason=outcome.reason,
                            draft=outcome.draft,
                            facts={
                                **outcome.facts,
                                "order_id": order.order_id if order else None,
                                "thread": how,
                            },
                            created_at=now,
                        )
                        .returning(decisions.c.id)
                    )
                ).scalar_one()
            )
            outbox_id = None
            if outcome.kind == "reply" and outcome.body and sender:
                outbox_id = await self._enqueue_reply(
                    conn, ticket_id, decision_id, row.id, mail, outcome.body, now
                )
            if outcome.kind in ("reply", "handoff"):
                policy = self.policies.get(row.mailbox_id, self.settings.deadlines.policy)
                await open_deadline(
                    conn,
                    ticket_id=ticket_id,
                    message_id=message_row_id,
                    policy=policy,
                    now=now,
                    settings=self.settings.deadlines,
                    tz=shop.timezone,
                )
            if self.settings.slack.enabled and await self._wants_slack(conn, ticket_id, outcome):
                await queue_ticket(
                    conn,
                    ticket_id=ticket_id,
                    now=now,
                    message_id=message_row_id,
                    decision=outcome.kind,
                )
            await self._finish_raw(conn, row.id, "done", now)
            await audit.record(
                conn,
                f"decision.{outcome.kind}",
                now=now,
                ticket_id=ticket_id,
                raw_mail_id=row.id,
                intent=nlu.intent,
                confidence=round(nlu.confidence, 3),
                angry=nlu.angry,
                handler=outcome.handler,
                reason=outcome.reason,
                thread=how,
            )
        log.info(
            kv(
                "pipeline.decided",
                raw_mail=row.id,
                ticket=ticket_id,
                intent=nlu.intent,
                confidence=f"{nlu.confidence:.2f}",
                decision=outcome.kind,
                thread=how,
            )
        )
        return Processed(
            row.id,
            "done",
            ticket_id=ticket_id,
            message_row_id=message_row_id,
            mail=mail,
            nlu=nlu,
            outcome=outcome,
            thread=how,
            order_id=order.order_id if order else None,
            outbox_id=outbox_id,
        )

    # --- facts -------------------------------------------------------------------------------

    async def _still_ours(self, conn: AsyncConnection, raw_id: int) -> bool:
        stmt = select(raw_mails.c.state, raw_mails.c.claimed_by).where(raw_mails.c.id == raw_id)
        if self.store.dialect == "postgresql":
            stmt = stmt.with_for_update()
        current = (await conn.execute(stmt)).first()
        return (
            current is not None
            and current.state == "received"
            and current.claimed_by == self.worker
        )

    async def _duplicate_of(self, conn: AsyncConnection, row: Any, mail: BuyerMail) -> int | None:
        """The ticket that already holds this mail (same Message-ID, or the same bytes)."""
        if mail.message_id:
            hit = (
                await conn.execute(
                    select(messages.c.ticket_id).where(messages.c.message_id == mail.message_id)
                )
            ).scalar()
            if hit is not None:
                return int(hit)
        hit = (
            await conn.execute(
                select(messages.c.ticket_id)
                .join(raw_mails, raw_mails.c.id == messages.c.raw_mail_id)
                .where(raw_mails.c.sha256 == row.sha256, raw_mails.c.id != row.id)
                .limit(1)
            )
        ).scalar()
        return int(hit) if hit is not None else None

    async def _find_order(
        self, conn: AsyncConnection, mail: BuyerMail, nlu: Understanding, ticket_row: Any
    ) -> tuple[Order | None, list[Order]]:
        for order_id in nlu.order_ids:
            order = await get_order(conn, order_id)
            if order is not None:
                return order, [order]
        if ticket_row is not None and ticket_row.order_id:
            order = await get_order(conn, ticket_row.order_id)
            if order is not None:
                return order, [order]
        if nlu.order_ids:
            return None, []  # the buyer named an order we do not know: do not guess another
        candidates = await orders_of_buyer(conn, mail.reply_address) if mail.reply_address else []
        return (candidates[0] if len(candidates) == 1 else None), candidates

    async def _auto_replies_to(
        self, conn: AsyncConnection, sender: str | None, now: datetime
    ) -> int:
        if not sender:
            return 0
        count = await conn.execute(
            select(func.count())
            .select_from(outbox.join(tickets, tickets.c.id == outbox.c.ticket_id))
            .where(
                tickets.c.buyer_address == sender,
                outbox.c.author == "bot",
                outbox.c.created_at > now - timedelta(hours=24),
                outbox.c.state != "cancelled",
            )
        )
        return int(count.scalar_one())

    async def _wants_slack(self, conn: AsyncConnection, ticket_id: int, outcome: Outcome) -> bool:
        if outcome.kind == "handoff":
            return True
        has_thread = (
            await conn.execute(
                select(slack_threads.c.ticket_id).where(slack_threads.c.ticket_id == ticket_id)
            )
        ).first()
        return has_thread is not None

    # --- writes ------------------------------------------------------------------------------

    async def _save_ticket(
        self,
        conn: AsyncConnection,
        ticket_row: Any,
        mail: BuyerMail,
        nlu: Understanding,
        outcome: Outcome,
        order: Order | None,
        mailbox_id: int,
        now: datetime,
    ) -> int:
        status = {"reply": "answered", "handoff": "waiting", "none": "closed"}[outcome.kind]
        if ticket_row is None:
            values = {
                "mailbox_id": mailbox_id,
                "buyer_address": mail.reply_address,
                "buyer_name": buyer_display_name(mail),
                "subject": mail.subject,
                "order_id": order.order_id
                if order
                else (nlu.order_ids[0] if nlu.order_ids else None),
                "status": status,
                "intent": nlu.intent,
                "angry": nlu.angry,
                "claim_risk": nlu.claim_risk or bool(outcome.facts.get("claim_risk")),
                "language": nlu.language,
                "created_at": now,
                "updated_at": now,
                "last_inbound_at": None if mail.is_auto else now,
                "closed_at": now if status == "closed" else None,
            }
            return int(
                (
                    await conn.execute(insert(tickets).values(**values).returning(tickets.c.id))
                ).scalar_one()
            )
        if outcome.kind == "none":
            # An acknowledgement or an automatic mail never closes a ticket that waits for us.
            status = ticket_row.status
        changes: dict[str, Any] = {
            "status": status,
            "updated_at": now,
            "angry": bool(ticket_row.angry or nlu.angry),
            "claim_risk": bool(
                ticket_row.claim_risk or nlu.claim_risk or outcome.facts.get("claim_risk")
            ),
        }
        if outcome.kind != "none" and not mail.is_auto:
            changes.update(intent=nlu.intent, last_inbound_at=now, closed_at=None)
        if not ticket_row.order_id and (order or nlu.order_ids):
            changes["order_id"] = order.order_id if order else nlu.order_ids[0]
        await conn.execute(update(tickets).where(tickets.c.id == ticket_row.id).values(**changes))
        return int(ticket_row.id)

    async def _save_message(
        self,
        conn: AsyncConnection,
        ticket_id: int,
        raw_id: int,
        mail: BuyerMail,
        nlu: Understanding,
        now: datetime,
    ) -> int:
        result = await conn.execute(
            insert(messages)
            .values(
                ticket_id=ticket_id,
                raw_mail_id=raw_id,
                direction="in",
                message_id=mail.message_id,
                in_reply_to=mail.in_reply_to,
                references=list(mail.references),
                from_addr=mail.from_addr,
                from_name=mail.from_name,
                to_addrs=list(mail.to),
                subject=mail.subject,
                sent_at=mail.date,
                text=mail.text,
                new_text=mail.new_text,
                is_auto=mail.is_auto,
                auto_reason=mail.auto_reason,
                attachments=[
                    {"filename": a.filename, "content_type": a.content_type, "size": a.size}
                    for a in mail.attachments
                ],
                charsets=list(mail.charsets),
                defects=list(mail.defects),
                intent=nlu.intent,
                confidence=nlu.confidence,
                angry=nlu.angry,
                action=nlu.action,
                understanding=_jsonable(nlu),
                author="buyer",
                created_at=now,
            )
            .returning(messages.c.id)
        )
        return int(result.scalar_one())

    async def _enqueue_reply(
        self,
        conn: AsyncConnection,
        ticket_id: int,
        decision_id: int,
        raw_id: int,
        mail: BuyerMail,
        body: str,
        now: datetime,
    ) -> int:
        shop = self.settings.shop
        domain = shop.address.split("@", 1)[1]
        message_id = make_message_id(f"reply:{mail.message_id or raw_id}:{decision_id}", domain)
        subject = reply_subject(mail.subject)
        to = mail.reply_address
        assert to is not None
        raw = compose(
            from_name=shop.name,
            from_addr=shop.address,
            to=to,
            subject=subject,
            body=body,
            message_id=message_id,
            date=now,
            in_reply_to=mail.message_id,
            references=list(mail.references),
            automatic=True,
        )
        return await enqueue(
            conn,
            ticket_id=ticket_id,
            decision_id=decision_id,
            message_id=message_id,
            mail_from=shop.address,
            rcpt_to=[to],
            subject=subject,
            body=body,
            raw=raw,
            author="bot",
            now=now,
        )

    async def _finish_raw(
        self,
        conn: AsyncConnection,
        raw_id: int,
        state: str,
        now: datetime,
        error: str | None = None,
    ) -> None:
        await conn.execute(
            update(raw_mails)
            .where(raw_mails.c.id == raw_id)
            .values(state=state, processed_at=now, error=error, claimed_by=None, claimed_until=None)
        )

    async def _give_up(self, row: Any, error: str) -> Processed:
        """Keep the mail and hand it to a human when processing keeps failing."""
        now = self.clock.now()
        mail = parse_mail(row.raw)
        fallback = replace(mail, message_id=None) if mail.message_id else mail
        async with self.store.begin() as conn:
            ticket_id = int(
                (
                    await conn.execute(
                        insert(tickets)
                        .values(
                            mailbox_id=row.mailbox_id,
                            buyer_address=mail.reply_address,
                            subject=mail.subject,
                            status="waiting",
                            intent="other",
                            created_at=now,
                            updated_at=now,
                            last_inbound_at=now,
                        )
                        .returning(tickets.c.id)
                    )
                ).scalar_one()
            )
            message_row_id = int(
                (
                    await conn.execute(
                        insert(messages)
                        .values(
                            ticket_id=ticket_id,
                            raw_mail_id=row.id,
                            direction="in",
                            message_id=fallback.message_id,
                            subject=mail.subject,
                            from_addr=mail.from_addr,
                            text=mail.text,
                            new_text=mail.new_text,
                            defects=[*mail.defects, f"processing failed: {error}"],
                            author="buyer",
                            created_at=now,
                        )
                        .returning(messages.c.id)
                    )
                ).scalar_one()
            )
            await conn.execute(
                insert(decisions).values(
                    message_id=message_row_id,
                    ticket_id=ticket_id,
                    kind="handoff",
                    intent="other",
                    handler="pipeline",
                    reason=f"processing failed: {error}",
                    facts={},
                    created_at=now,
                )
            )
            if self.settings.slack.enabled:
                await queue_ticket(
                    conn,
                    ticket_id=ticket_id,
                    now=now,
                    message_id=message_row_id,
                    decision="handoff",
                )
            await self._finish_raw(conn, row.id, "failed", now, error)
            await audit.record(
                conn, "mail.failed", now=now, ticket_id=ticket_id, raw_mail_id=row.id, error=error
            )
        return Processed(
            row.id,
            "failed",
            ticket_id=ticket_id,
            message_row_id=message_row_id,
            mail=mail,
            outcome=Outcome("handoff", f"processing failed: {error}", "pipeline"),
            error=error,
        )


# --- outbox results, recorded on the ticket ---------------------------------------------------


async def record_sent(
    conn: AsyncConnection, entry: OutboxEntry, now: datetime, *, notify_slack: bool = False
) -> None:
    """A reply left: it joins the ticket, closes its deadlines, and counts as the response.

    With ``notify_slack``, the ticket's Slack thread says so (with the Message-ID) for every
    agent's reply, and for the bot's when the ticket already has a thread.
    """
    if entry.ticket_id is None:  # mail to the seller (a digest): no ticket to record it on
        return
    row = (await conn.execute(select(outbox).where(outbox.c.id == entry.id))).first()
    assert row is not None
    await conn.execute(
        insert(messages).values(
            ticket_id=entry.ticket_id,
            direction="out",
            message_id=entry.message_id,
            from_addr=entry.mail_from,
            to_addrs=entry.rcpt_to,
            subject=row.subject,
            sent_at=now,
            text=row.body,
            new_text=row.body,
            author=entry.author,
            created_at=now,
        )
    )
    reason = "replied_bot" if entry.author == "bot" else "replied_agent"
    await close_deadlines(conn, ticket_id=entry.ticket_id, now=now, reason=reason)
    ticket = (
        await conn.execute(
            select(tickets.c.first_response_at, tickets.c.status).where(
                tickets.c.id == entry.ticket_id
            )
        )
    ).first()
    changes: dict[str, Any] = {"updated_at": now}
    if ticket is not None and ticket.first_response_at is None:
        changes["first_response_at"] = now
    if ticket is not None and ticket.status != "closed":
        changes["status"] = "answered"
    await conn.execute(update(tickets).where(tickets.c.id == entry.ticket_id).values(**changes))
    await audit.record(
        conn,
        "reply.sent",
        now=now,
        ticket_id=entry.ticket_id,
        actor=entry.author,
        outbox=entry.id,
        message_id=entry.message_id,
    )
    if notify_slack and (
        entry.author.startswith("agent:")
        or (
            await conn.execute(
                select(slack_threads.c.ticket_id).where(
                    slack_threads.c.ticket_id == entry.ticket_id
                )
            )
        ).first()
    ):
        await queue_thread_message(
            conn,
            ticket_id=entry.ticket_id,
            text=f"Sent: {entry.message_id}",
            now=now,
            notice="mail_sent",
            message_id=entry.message_id,
            author=entry.author,
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
