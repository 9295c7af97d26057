"""One buyer mail through the flow: parse → understand → thread → route → act → store.

Raw mails are claimed from the store in batches, parsed and understood in memory, and the
whole result of a batch (tickets, messages, decisions, outbox entries, deadlines, Slack queue
entries, audit events, and each raw mail's new state) is written in ONE transaction
(``bot.batch``). A crash anywhere before the commit leaves the raw mails claimable again;
nothing is half-done and nothing is done twice.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import audit
from bot.act import Outcome
from bot.analysis import Analyser, Analysis
from bot.batch import Decider, Item, Processed, Writes
from bot.clock import Clock, Turns
from bot.config import Settings
from bot.logs import kv
from bot.mail.parse import parse_mail
from bot.router import Router
from bot.store import Store
from bot.store.schema import decisions, messages, raw_mails, tickets
from bot.store.slack_queue import queue_ticket
from bot.templates import Renderer
from bot.threads import thread_keys

__all__ = ["Pipeline", "Processed"]

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 3


class _ClaimLost(RuntimeError):
    """Some of a batch's leases ran out before it could be written."""


class Pipeline:
    """Processes claimed raw mails into decisions, a batch per transaction."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Clock,
        router: Router,
        renderer: Renderer,
        *,
        policies: dict[int, str] | None = None,
        mailbox_names: dict[int, str] | None = None,
        analyser: Analyser | None = None,
    ) -> None:
        self.settings = settings
        self.analyser = analyser or Analyser()  # in this process unless the desk gave helpers
        self.store = store
        self.clock = clock
        self.decider = Decider(settings, router, renderer, policies=policies)
        self.worker = settings.worker_id
        self.mailbox_names = mailbox_names or {}  # mailbox id → name (for handed-over replies)

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
        rows = await self.claim(limit)
        return await self.process_batch(rows) if rows else []

    async def process(self, row: Any) -> Processed:
        """Process one claimed raw mail; unexpected errors are retried, then handed to a human."""
        (result,) = await self.process_batch([row])
        return result

    async def process_batch(
        self,
        rows: Sequence[Any],
        *,
        hand_over: bool = False,
        analysed: Sequence[Analysis] | None = None,
    ) -> list[Processed]:
        """Process claimed raw mails in one transaction, in arrival order.

        If the batch fails, each mail is tried alone, so one bad mail cannot hold back the
        others; a mail that keeps failing is handed to a human. With ``hand_over`` the replies
        are written claimed by this worker and come back as ``Processed.entry`` for its own
        sender (which must then send or release them).
        """
        try:
            return await self._process_batch(list(rows), hand_over, analysed)
        except Exception as exc:
            if len(rows) > 1:
                log.warning(kv("pipeline.batch_failed", mails=len(rows), error=type(exc).__name__))
                return [
                    result
                    for row in rows
                    for result in await self.process_batch([row], hand_over=hand_over)
                ]
            (row,) = rows
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
                return [Processed(row.id, "skipped", error=str(exc))]
            return [await self._give_up(row, f"{type(exc).__name__}: {exc}")]

    async def _process_batch(
        self,
        rows: list[Any],
        hand_over: bool = False,
        analysed: Sequence[Analysis] | None = None,
    ) -> list[Processed]:
        if not rows:
            return []
        now = self.clock.now()
        ordered = sorted(rows, key=lambda r: r.id)
        if analysed is None:
            analysed = await self.analyser.analyse([row.raw for row in ordered], now)
        items = [
            Item(row, mail, nlu, thread_keys(mail, nlu.order_ids))
            for row, (mail, nlu) in zip(ordered, analysed, strict=True)
        ]
        turns = Turns()
        # The process's write turn is taken for the writes and kept until the commit (the
        # outer stack lets go of it after the transaction's block has committed).
        async with contextlib.AsyncExitStack() as turn, self.store.begin() as conn:
            ours = await self._still_ours(conn, [i.row.id for i in items])
            if len(ours) != len(items):
                # Leases ran out mid-way: decide nothing, let the current holders do it.
                raise _ClaimLost(f"{len(items) - len(ours)} of {len(items)} claims lost")
            facts = await self.decider.load_facts(conn, items, now)
            writes = Writes()
            planned = []
            for item in items:
                planned.append(await self.decider.decide(item, facts, writes, now))
                await turns.take()  # mail in flight (SMTP, IMAP) moves on meanwhile
            await turn.enter_async_context(self.store.write_turn())
            results = await self.decider.write(
                conn,
                items,
                planned,
                facts,
                writes,
                now,
                claim_for=self.worker if hand_over else None,
                mailbox_names=self.mailbox_names,
            )
        # A line per mail: built only when INFO is logged (a backlog is mostly silent).
        for result in results if log.isEnabledFor(logging.INFO) else ():
            if result.state == "duplicate":
                log.info(
                    kv("pipeline.duplicate", raw_mail=result.raw_mail_id, ticket=result.ticket_id)
                )
            elif result.outcome is not None and result.nlu is not None:
                log.info(
                    kv(
                        "pipeline.decided",
                        raw_mail=result.raw_mail_id,
                        ticket=result.ticket_id,
                        intent=result.nlu.intent,
                        confidence=f"{result.nlu.confidence:.2f}",
                        decision=result.outcome.kind,
                        thread=result.thread,
                    )
                )
        return results

    # --- facts -------------------------------------------------------------------------------

    async def _still_ours(self, conn: AsyncConnection, raw_ids: list[int]) -> set[int]:
        stmt = select(raw_mails.c.id).where(
            raw_mails.c.id.in_(raw_ids),
            raw_mails.c.state == "received",
            raw_mails.c.claimed_by == self.worker,
        )
        if self.store.dialect == "postgresql":
            stmt = stmt.with_for_update()
        return {int(i) for i in (await conn.execute(stmt)).scalars()}

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
        async with self.store.writing() as conn:
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
