"""Deciding a batch of buyer mails: the facts they need, one decision each, the rows to write.

A batch reads every fact its decisions need with a few set-based queries (threading,
duplicates, orders, per-sender counts), decides each mail in memory against a view that
the earlier mails of the batch have already changed (so a follow-up still finds the ticket
its first mail opened), and writes all rows with a handful of statements.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import audit
from bot.act import GateFacts, Outcome, buyer_display_name, decide
from bot.config import Settings
from bot.deadlines import open_deadlines
from bot.mail.compose import compose, make_message_id, reply_subject
from bot.mail.message import BuyerMail
from bot.mail.outbox import LEASE as OUTBOX_LEASE
from bot.mail.outbox import OutboxEntry
from bot.nlp import Understanding
from bot.orders import Order, get_orders, orders_of_buyers
from bot.router import HandlerContext, Router, TicketView
from bot.store.schema import decisions, messages, outbox, raw_mails, slack_threads, tickets
from bot.store.slack_queue import queue_ticket
from bot.store.sql import IDS_PER_STATEMENT, insert_many, rows_by_id
from bot.templates import Renderer
from bot.threads import ThreadKeys, TicketFacts, TicketIndex

log = logging.getLogger(__name__)


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
    # The reply, already claimed for this worker's sender (the batch was written with
    # ``claim_for``); None when the sender claims it from the store as usual.
    entry: OutboxEntry | None = None


# Columns a later mail may change on its ticket.
_TICKET_CHANGES = (
    "status",
    "updated_at",
    "angry",
    "claim_risk",
    "intent",
    "last_inbound_at",
    "closed_at",
    "order_id",
)
_UPDATE_TICKET = (
    update(tickets)
    .where(tickets.c.id == bindparam("tid"))
    .values({c: bindparam(f"b_{c}") for c in _TICKET_CHANGES})
)


async def finish_raws(conn: AsyncConnection, states: list[dict[str, Any]], now: datetime) -> None:
    """Record how each raw mail ended (``rid``, ``state``, ``error``) and release its claim.

    Mails that ended alike (nearly all of a batch: done, no error) share one UPDATE by id.
    """
    alike: dict[tuple[str, str | None], list[int]] = {}
    for r in states:
        alike.setdefault((r["state"], r["error"]), []).append(r["rid"])
    for (state, error), ids in alike.items():
        for start in range(0, len(ids), IDS_PER_STATEMENT):
            await conn.execute(
                update(raw_mails)
                .where(raw_mails.c.id.in_(ids[start : start + IDS_PER_STATEMENT]))
                .values(
                    state=state,
                    error=error,
                    processed_at=now,
                    claimed_by=None,
                    claimed_until=None,
                )
            )


def _jsonable(nlu: Understanding) -> dict[str, Any]:
    return {
        **nlu.to_contract(None),
        "other_intents": list(nlu.other_intents),
        "language": nlu.language,
        "claim_risk": nlu.claim_risk,
        "dates": [d.isoformat() for d in nlu.dates],
    }


@dataclass
class Item:
    """One claimed raw mail on its way through a batch."""

    row: Any
    mail: BuyerMail
    nlu: Understanding
    keys: ThreadKeys


@dataclass
class _TicketState:
    """A ticket as the batch sees it: the stored row plus what earlier mails changed."""

    key: int  # its id, or a placeholder above every stored id until it is inserted
    new: bool
    values: dict[str, Any]
    changed: bool = False


@dataclass
class Facts:
    """Everything the batch's decisions read from the store, loaded with a few queries."""

    index: TicketIndex
    tickets: dict[int, _TicketState]
    known_ids: dict[str, int]  # Message-ID → ticket of a message already stored
    known_hashes: dict[str, int]  # content hash → ticket of a mail already stored
    orders: dict[str, Order]
    buyer_orders: dict[str, list[Order]]
    auto_replies: Counter[str]  # automatic replies to each sender in the last 24 h
    ticket_counts: Counter[str]  # tickets of each sender
    slack_threads: set[int]


@dataclass
class Writes:
    """The rows one batch writes, in the order foreign keys need them."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    replies: list[dict[str, Any]] = field(default_factory=list)
    deadlines: list[tuple[int, int, str]] = field(default_factory=list)  # ticket, message, policy
    slack: list[dict[str, Any]] = field(default_factory=list)
    raw_states: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


_PLACEHOLDER = 1 << 62  # ticket keys above this are not inserted yet
_STATUS = {"reply": "answered", "handoff": "waiting", "none": "closed"}


class Decider:
    """Decides batches of parsed and understood mails for one shop."""

    def __init__(
        self,
        settings: Settings,
        router: Router,
        renderer: Renderer,
        *,
        policies: dict[int, str] | None = None,
    ) -> None:
        self.settings = settings
        self.router = router
        self.renderer = renderer
        self.policies = policies or {}  # mailbox id → deadline policy
        self._domain = settings.shop.address.split("@", 1)[1]

    async def load_facts(self, conn: AsyncConnection, items: list[Item], now: datetime) -> Facts:
        index = await TicketIndex.load(conn, [i.keys for i in items], now)
        ticket_rows = await rows_by_id(conn, tickets, set(index.tickets))
        states = {
            tid: _TicketState(tid, False, dict(row._mapping)) for tid, row in ticket_rows.items()
        }
        ids = {i.mail.message_id for i in items if i.mail.message_id}
        known_ids = (
            {
                r.message_id: int(r.ticket_id)
                for r in await conn.execute(
                    select(messages.c.message_id, messages.c.ticket_id).where(
                        messages.c.message_id.in_(ids)
                    )
                )
            }
            if ids
            else {}
        )
        hashes = {i.row.sha256 for i in items}
        batch_ids = [i.row.id for i in items]
        known_hashes = {
            r.sha256: int(r.ticket_id)
            for r in await conn.execute(
                select(raw_mails.c.sha256, messages.c.ticket_id)
                .join(messages, messages.c.raw_mail_id == raw_mails.c.id)
                .where(raw_mails.c.sha256.in_(hashes), raw_mails.c.id.not_in(batch_ids))
            )
        }
        wanted_orders = {o for i in items for o in i.nlu.order_ids}
        wanted_orders |= {s.values["order_id"] for s in states.values() if s.values.get("order_id")}
        senders = {i.mail.reply_address for i in items if i.mail.reply_address}
        unnamed = {
            i.mail.reply_address for i in items if i.mail.reply_address and not i.nlu.order_ids
        }
        auto_replies: Counter[str] = Counter()
        ticket_counts: Counter[str] = Counter()
        if senders:
            for r in await conn.execute(
                select(tickets.c.buyer_address, func.count())
                .select_from(outbox.join(tickets, tickets.c.id == outbox.c.ticket_id))
                .where(
                    tickets.c.buyer_address.in_(senders),
                    outbox.c.author == "bot",
                    outbox.c.created_at > now - timedelta(hours=24),
                    outbox.c.state != "cancelled",
                )
                .group_by(tickets.c.buyer_address)
            ):
                auto_replies[r[0]] = int(r[1])
            for r in await conn.execute(
                select(tickets.c.buyer_address, func.count())
                .where(tickets.c.buyer_address.in_(senders))
                .group_by(tickets.c.buyer_address)
            ):
                ticket_counts[r[0]] = int(r[1])
        threads: set[int] = set()
        if self.settings.slack.enabled and states:
            threads = {
                int(t)
                for t in (
                    await conn.execute(
                        select(slack_threads.c.ticket_id).where(
                            slack_threads.c.ticket_id.in_(set(states))
                        )
                    )
                ).scalars()
            }
        return Facts(
            index=index,
            tickets=states,
            known_ids=known_ids,
            known_hashes=known_hashes,
            orders=await get_orders(conn, wanted_orders),
            buyer_orders=await orders_of_buyers(conn, unnamed),
            auto_replies=auto_replies,
            ticket_counts=ticket_counts,
            slack_threads=threads,
        )

    def _find_order(
        self, facts: Facts, item: Item, ticket: _TicketState | None
    ) -> tuple[Order | None, list[Order]]:
        for order_id in item.nlu.order_ids:
            if order_id in facts.orders:
                return facts.orders[order_id], [facts.orders[order_id]]
        known = ticket.values.get("order_id") if ticket else None
        if known and known in facts.orders:
            return facts.orders[known], [facts.orders[known]]
        if item.nlu.order_ids:
            return None, []  # the buyer named an order we do not know: do not guess another
        address = item.mail.reply_address
        candidates = facts.buyer_orders.get(address, []) if address else []
        return (candidates[0] if len(candidates) == 1 else None), candidates

    # --- deciding, in memory -----------------------------------------------------------------

    async def decide(
        self, item: Item, facts: Facts, writes: Writes, now: datetime
    ) -> dict[str, Any]:
        """Decide one mail against the facts as earlier mails of the batch left them."""
        mail, nlu, row = item.mail, item.nlu, item.row
        duplicate = facts.known_ids.get(mail.message_id) if mail.message_id else None
        if duplicate is None:
            duplicate = facts.known_hashes.get(row.sha256)
        if duplicate is not None:
            writes.raw_states.append({"rid": row.id, "state": "duplicate", "error": None})
            writes.events.append(
                {"kind": "mail.duplicate", "raw_mail_id": row.id, "ticket_id": duplicate}
            )
            return {"duplicate": duplicate}

        shop = self.settings.shop
        ticket_id, how = facts.index.resolve(item.keys)
        ticket = facts.tickets.get(ticket_id) if ticket_id is not None else None
        order, candidates = self._find_order(facts, item, ticket)
        sender = mail.reply_address
        earlier = 0
        if sender:
            earlier = facts.ticket_counts[sender] - (
                1 if ticket is not None and ticket.values.get("buyer_address") == sender else 0
            )
        ctx = HandlerContext(
            mail=mail,
            nlu=nlu,
            shop=shop,
            ticket=TicketView(
                id=ticket_id if ticket_id is not None and ticket_id < _PLACEHOLDER else 0,
                is_new=ticket is None,
                earlier_tickets=earlier,
            ),
            now=now,
            order=order,
            orders=tuple(candidates),
        )
        gate = GateFacts(
            shop_addresses=shop.addresses,
            auto_replies_to_sender_24h=facts.auto_replies[sender] if sender else 0,
        )
        outcome = await decide(self.router, self.renderer, ctx, gate)

        ticket = self._apply_to_ticket(facts, ticket, item, outcome, order, now)
        order_no = len(writes.messages)
        facts.index.remember_message(mail.message_id, ticket.key, _PLACEHOLDER + order_no)
        if mail.message_id:
            facts.known_ids[mail.message_id] = ticket.key
        facts.known_hashes[row.sha256] = ticket.key
        writes.messages.append(self._message_row(ticket.key, row.id, mail, nlu, now))
        writes.decisions.append(
            {
                "ticket_id": ticket.key,
                "kind": outcome.kind,
                "intent": nlu.intent,
                "handler": outcome.handler,
                "template": outcome.template,
                "reason": outcome.reason,
                "draft": outcome.draft,
                "facts": {
                    **outcome.facts,
                    "order_id": order.order_id if order else None,
                    "thread": how,
                },
                "created_at": now,
            }
        )
        reply_at = None
        if outcome.kind == "reply" and outcome.body and sender:
            reply_at = len(writes.replies)
            writes.replies.append(
                {
                    "message": order_no,
                    **self._reply_row(ticket.key, row.id, mail, outcome.body, now),
                }
            )
            facts.auto_replies[sender] += 1
        if outcome.kind in ("reply", "handoff"):
            policy = self.policies.get(row.mailbox_id, self.settings.deadlines.policy)
            writes.deadlines.append((ticket.key, order_no, policy))
        if self.settings.slack.enabled and (
            outcome.kind == "handoff" or ticket.key in facts.slack_threads
        ):
            writes.slack.append(
                {"ticket_id": ticket.key, "message": order_no, "decision": outcome.kind}
            )
        writes.raw_states.append({"rid": row.id, "state": "done", "error": None})
        writes.events.append(
            {
                "kind": f"decision.{outcome.kind}",
                "ticket_id": ticket.key,
                "raw_mail_id": row.id,
                "detail": {
                    "intent": nlu.intent,
                    "confidence": round(nlu.confidence, 3),
                    "angry": nlu.angry,
                    "handler": outcome.handler,
                    "reason": outcome.reason,
                    "thread": how,
                },
            }
        )
        return {
            "ticket": ticket,
            "message": order_no,
            "outcome": outcome,
            "thread": how,
            "order_id": order.order_id if order else None,
            "reply": reply_at,
        }

    def _apply_to_ticket(
        self,
        facts: Facts,
        ticket: _TicketState | None,
        item: Item,
        outcome: Outcome,
        order: Order | None,
        now: datetime,
    ) -> _TicketState:
        """Open the ticket or record this mail on it, in the batch's view of the store."""
        mail, nlu = item.mail, item.nlu
        status = _STATUS[outcome.kind]
        named_order = order.order_id if order else (nlu.order_ids[0] if nlu.order_ids else None)
        claim_risk = bool(nlu.claim_risk or outcome.facts.get("claim_risk"))
        if ticket is None:
            key = _PLACEHOLDER + len(facts.tickets) + 1
            ticket = _TicketState(
                key,
                True,
                {
                    "mailbox_id": item.row.mailbox_id,
                    "buyer_address": mail.reply_address,
                    "buyer_name": buyer_display_name(mail),
                    "subject": mail.subject,
                    "order_id": named_order,
                    "status": status,
                    "intent": nlu.intent,
                    "angry": nlu.angry,
                    "claim_risk": claim_risk,
                    "language": nlu.language,
                    "created_at": now,
                    "updated_at": now,
                    "last_inbound_at": None if mail.is_auto else now,
                    "closed_at": now if status == "closed" else None,
                },
            )
            facts.tickets[key] = ticket
            if mail.reply_address:
                facts.ticket_counts[mail.reply_address] += 1
        else:
            values = ticket.values
            if outcome.kind == "none":
                # An acknowledgement or an automatic mail never closes a ticket that waits for us.
                status = values["status"]
            values.update(
                status=status,
                updated_at=now,
                angry=bool(values.get("angry") or nlu.angry),
                claim_risk=bool(values.get("claim_risk") or claim_risk),
            )
            if outcome.kind != "none" and not mail.is_auto:
                values.update(intent=nlu.intent, last_inbound_at=now, closed_at=None)
            if not values.get("order_id") and named_order:
                values["order_id"] = named_order
            ticket.changed = True
        v = ticket.values
        facts.index.remember_ticket(
            TicketFacts(
                ticket.key,
                v["order_id"],
                v["buyer_address"],
                v["status"],
                v["last_inbound_at"],
                now,
            )
        )
        return ticket

    def _message_row(
        self, ticket_key: int, raw_id: int, mail: BuyerMail, nlu: Understanding, now: datetime
    ) -> dict[str, Any]:
        return {
            "ticket_id": ticket_key,
            "raw_mail_id": raw_id,
            "direction": "in",
            "message_id": mail.message_id,
            "in_reply_to": mail.in_reply_to,
            "references": list(mail.references),
            "from_addr": mail.from_addr,
            "from_name": mail.from_name,
            "to_addrs": list(mail.to),
            "subject": mail.subject,
            "sent_at": mail.date,
            "text": mail.text,
            "new_text": mail.new_text,
            "is_auto": mail.is_auto,
            "auto_reason": mail.auto_reason,
            "attachments": [a.to_json() for a in mail.attachments],
            "charsets": list(mail.charsets),
            "defects": list(mail.defects),
            "intent": nlu.intent,
            "confidence": nlu.confidence,
            "angry": nlu.angry,
            "action": nlu.action,
            "understanding": _jsonable(nlu),
            "author": "buyer",
            "created_at": now,
        }

    def _reply_row(
        self, ticket_key: int, raw_id: int, mail: BuyerMail, body: str, now: datetime
    ) -> dict[str, Any]:
        shop = self.settings.shop
        # Seeded by the buyer's mail: the same mail always gets the same reply Message-ID.
        message_id = make_message_id(f"reply:{mail.message_id or raw_id}:{raw_id}", self._domain)
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
        return {
            "ticket_id": ticket_key,
            "message_id": message_id,
            "mail_from": shop.address,
            "rcpt_to": [to],
            "subject": subject,
            "body": body,
            "raw": raw,
            "author": "bot",
            "state": "pending",
            "not_before": now,
            "created_at": now,
        }

    # --- writing, in one transaction ---------------------------------------------------------

    async def write(
        self,
        conn: AsyncConnection,
        items: list[Item],
        planned: list[dict[str, Any]],
        facts: Facts,
        writes: Writes,
        now: datetime,
        *,
        claim_for: str | None = None,
        mailbox_names: dict[int, str] | None = None,
    ) -> list[Processed]:
        """Write the batch's rows; returns what happened to each mail.

        With ``claim_for`` (a worker id) the replies are stored already claimed by that worker,
        as its sender's claim would leave them (leased, first attempt), and each result carries
        its :class:`OutboxEntry` for the worker to send without claiming it again.
        """
        lease_until = now + OUTBOX_LEASE
        claim = (
            {"claimed_by": claim_for, "claimed_until": lease_until, "attempts": 1}
            if claim_for
            else {}
        )
        # Written first: on SQLite this takes the write lock that insert_many relies on.
        await finish_raws(conn, writes.raw_states, now)
        new = [t for t in facts.tickets.values() if t.new]
        real: dict[int, int] = {t.key: t.key for t in facts.tickets.values() if not t.new}
        inserted = await insert_many(conn, tickets, [t.values for t in new])
        real.update({t.key: key for t, key in zip(new, inserted, strict=True)})
        changed = [t for t in facts.tickets.values() if t.changed and not t.new]
        if changed:
            await conn.execute(
                _UPDATE_TICKET,
                [
                    {"tid": t.key, **{f"b_{k}": t.values[k] for k in _TICKET_CHANGES}}
                    for t in changed
                ],
            )

        def tid(key: int) -> int:
            return real.get(key, key)

        message_ids = await insert_many(
            conn, messages, [{**m, "ticket_id": tid(m["ticket_id"])} for m in writes.messages]
        )
        decision_ids = await insert_many(
            conn,
            decisions,
            [
                {**d, "ticket_id": tid(d["ticket_id"]), "message_id": message_ids[n]}
                for n, d in enumerate(writes.decisions)
            ],
        )
        outbox_ids = await insert_many(
            conn,
            outbox,
            [
                {
                    **{k: v for k, v in r.items() if k != "message"},
                    **claim,
                    "ticket_id": tid(r["ticket_id"]),
                    "decision_id": decision_ids[r["message"]],
                }
                for r in writes.replies
            ],
        )
        await open_deadlines(
            conn,
            [(tid(t), message_ids[m], p) for t, m, p in writes.deadlines],
            now=now,
            settings=self.settings.deadlines,
            tz=self.settings.shop.timezone,
        )
        for s in writes.slack:
            await queue_ticket(
                conn,
                ticket_id=tid(s["ticket_id"]),
                now=now,
                message_id=message_ids[s["message"]],
                decision=s["decision"],
            )
        await audit.record_many(
            conn,
            [
                {**e, "ticket_id": tid(e["ticket_id"]) if e.get("ticket_id") else None}
                for e in writes.events
            ],
            now=now,
        )

        results = []
        for item, plan in zip(items, planned, strict=True):
            if "duplicate" in plan:
                results.append(
                    Processed(
                        item.row.id,
                        "duplicate",
                        ticket_id=tid(plan["duplicate"]),
                        mail=item.mail,
                        nlu=item.nlu,
                    )
                )
                continue
            reply_at = plan["reply"]
            entry = None
            if claim_for and reply_at is not None:
                r = writes.replies[reply_at]
                entry = OutboxEntry(
                    outbox_ids[reply_at],
                    tid(r["ticket_id"]),
                    r["message_id"],
                    r["mail_from"],
                    list(r["rcpt_to"]),
                    r["raw"],
                    r["author"],
                    1,
                    # The Sent folder of the mailbox the ticket came in on, as the sender's
                    # claim would look it up.
                    (mailbox_names or {}).get(plan["ticket"].values.get("mailbox_id")),
                    r["subject"],
                    r["body"],
                    claimed_until=lease_until,
                )
            results.append(
                Processed(
                    item.row.id,
                    "done",
                    ticket_id=tid(plan["ticket"].key),
                    message_row_id=message_ids[plan["message"]],
                    mail=item.mail,
                    nlu=item.nlu,
                    outcome=plan["outcome"],
                    thread=plan["thread"],
                    order_id=plan["order_id"],
                    outbox_id=outbox_ids[reply_at] if reply_at is not None else None,
                    entry=entry,
                )
            )
        return results
