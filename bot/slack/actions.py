"""What agents do in Slack, done from the store: replies, buttons and the edit modal.

Every stored delivery (see :mod:`bot.slack.intake`) is claimed, worked on, and marked done in
the SAME transaction as its effects (an outbox entry, a ticket change, Slack posts queued in
``slack_outbox``), so a crash at any point leaves it either untouched and claimable again or
completely done. Only opening a modal happens at once, because Slack's trigger lasts 3 s.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import audit
from bot.clock import Clock, pause
from bot.config import Settings
from bot.deadlines import close_deadlines
from bot.logs import kv
from bot.slack import ids
from bot.slack.agents import AgentCheckUnavailable, AgentDirectory
from bot.slack.client import api_error
from bot.slack.mrkdwn import is_note, slack_to_plain
from bot.slack.replies import Actor, AgentReplies, edited_text, held_reply, view_metadata
from bot.slack.snapshot import inbound_mail, load_snapshot
from bot.slack.texts import SlackTexts
from bot.slack.threads import thread_of, ticket_of_thread
from bot.slack.views import edit_modal, mail_modal
from bot.store import Store
from bot.store.schema import outbox, slack_events, tickets
from bot.store.slack_queue import queue_ephemeral, queue_thread_message
from bot.templates import Renderer

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
RECOVERY_GRACE = timedelta(seconds=5)
RETRY_DELAY = timedelta(seconds=30)
MAX_ATTEMPTS = 8
TRIGGER_LIFETIME = timedelta(seconds=3)


class ClaimLost(RuntimeError):
    """Another worker took the delivery over (our lease ran out); our changes roll back."""


class SlackEventProcessor:
    """Works on stored Slack deliveries, exactly once each."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Clock,
        client: AsyncWebClient,
        texts: SlackTexts,
        renderer: Renderer,
        agents: AgentDirectory,
        *,
        worker: str,
        on_queued: Callable[[], None] = lambda: None,
        on_mail: Callable[[], None] = lambda: None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.client = client
        self.texts = texts
        self.renderer = renderer
        self.agents = agents
        self.worker = worker
        self.on_queued = on_queued  # wakes the Slack worker
        self.on_mail = on_mail  # wakes the outbox
        self.replies = AgentReplies(settings, renderer, texts)
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()

    # --- claiming ----------------------------------------------------------------------------

    async def _claim(self, where: Any, limit: int) -> list[Any]:
        rows = await self.store.claim(
            slack_events,
            where,
            worker=self.worker,
            now=self.clock.now(),
            lease=LEASE,
            limit=limit,
            order_by=slack_events.c.received_at,
        )
        return sorted(rows, key=lambda r: (r.received_at, r.event_key))

    async def handle_now(self, key: str) -> bool:
        """Work on a delivery just stored (the listener path); False if someone else has it."""
        rows = await self._claim(
            (slack_events.c.event_key == key) & (slack_events.c.state == "received"), 1
        )
        if not rows:
            return False
        await self._process(rows[0], live=True)
        return True

    async def recover(self, limit: int = 20) -> int:
        """Work on deliveries stored but never finished (a restart, a crash, Slack away)."""
        cutoff = self.clock.now() - RECOVERY_GRACE
        rows = await self._claim(
            (slack_events.c.state == "received") & (slack_events.c.received_at <= cutoff), limit
        )
        for row in rows:
            await self._process(row, live=False)
        return len(rows)

    async def recover_all(self) -> int:
        """Every unfinished delivery now, whatever its age (``run --once``)."""
        total = 0
        while True:
            rows = await self._claim(slack_events.c.state == "received", 20)
            for row in rows:
                await self._process(row, live=False)
            total += len(rows)
            if not rows:
                return total

    async def run(self, stop: asyncio.Event) -> None:
        """Pick up unfinished deliveries until ``stop`` is set."""
        log.info(kv("slack.events.start", worker=self.worker))
        while not stop.is_set():
            try:
                count = await self.recover()
            except Exception as exc:
                log.exception(kv("slack.events.error", error=type(exc).__name__))
                count = 0
            if count == 0:
                await pause(stop, self.settings.poll_seconds)
        log.info(kv("slack.events.stop", worker=self.worker))

    async def idle(self) -> None:
        """Wait until no delivery is being worked on in this process (tests, shutdown)."""
        await self._idle.wait()

    async def _process(self, row: Any, *, live: bool) -> None:
        self._busy += 1
        self._idle.clear()
        try:
            await self._dispatch(row, live=live)
        except ClaimLost:
            log.warning(kv("slack.event.claim_lost", key=row.event_key))
        except AgentCheckUnavailable as exc:
            await self._retry_later(row, str(exc))
        except Exception as exc:
            log.exception(kv("slack.event.error", key=row.event_key, error=type(exc).__name__))
            if row.attempts >= MAX_ATTEMPTS:
                await self._give_up(row, f"{type(exc).__name__}: {exc}")
            else:
                await self._retry_later(row, f"{type(exc).__name__}: {exc}")
        finally:
            self._busy -= 1
            if self._busy == 0:
                self._idle.set()
        self.on_queued()

    async def _done(self, conn: AsyncConnection, row: Any) -> None:
        """Mark the delivery done inside the transaction that holds its effects."""
        result = await conn.execute(
            update(slack_events)
            .where(
                slack_events.c.event_key == row.event_key,
                slack_events.c.state == "received",
                slack_events.c.claimed_by == self.worker,
            )
            .values(
                state="done",
                done_at=self.clock.now(),
                claimed_by=None,
                claimed_until=None,
                last_error=None,
            )
        )
        if result.rowcount != 1:
            raise ClaimLost(row.event_key)

    async def _finish(self, row: Any) -> None:
        async with self.store.begin() as conn:
            await self._done(conn, row)

    async def _retry_later(self, row: Any, error: str) -> None:
        async with self.store.begin() as conn:
            await conn.execute(
                update(slack_events)
                .where(
                    slack_events.c.event_key == row.event_key,
                    slack_events.c.claimed_by == self.worker,
                )
                .values(
                    claimed_by=None,
                    claimed_until=self.clock.now() + RETRY_DELAY,
                    last_error=error[:2000],
                )
            )

    async def _give_up(self, row: Any, error: str) -> None:
        log.error(kv("slack.event.failed", key=row.event_key, attempts=row.attempts))
        async with self.store.begin() as conn:
            await conn.execute(
                update(slack_events)
                .where(slack_events.c.event_key == row.event_key)
                .values(
                    state="failed",
                    done_at=self.clock.now(),
                    claimed_by=None,
                    claimed_until=None,
                    last_error=error[:2000],
                )
            )

    # --- dispatch ----------------------------------------------------------------------------

    async def _dispatch(self, row: Any, *, live: bool) -> None:
        body = dict(row.payload or {})
        kind = str(row.kind)
        if kind == "message":
            await self._thread_reply(row, body)
            return
        if kind.startswith("view:"):
            await self._edit_submitted(row, body)
            return
        action_id = kind.removeprefix("action:")
        action = (body.get("actions") or [{}])[0]
        actor = Actor(
            user=str((body.get("user") or {}).get("id") or ""),
            channel=(body.get("channel") or {}).get("id")
            or (body.get("container") or {}).get("channel_id"),
            thread_ts=(body.get("message") or {}).get("thread_ts"),
        )
        value = str(action.get("value") or "")
        if action_id in ids.MODAL_ACTIONS:
            await self._modal(row, body, action_id, value, actor, live=live)
        elif action_id == ids.SEND_DRAFT:
            await self._send_draft(row, int(value), actor)
        elif action_id == ids.SEND_ANYWAY:
            await self._send_anyway(row, body, value, actor)
        elif action_id == ids.CANCEL_SEND:
            await self._cancel(row, body, int(value), actor)
        elif action_id in (ids.TAKE, ids.NO_REPLY, ids.CLOSE, ids.REOPEN):
            await self._ticket_action(row, action_id, int(value), actor)
        else:
            await self._finish(row)

    async def _allowed(self, row: Any, actor: Actor, ticket_id: int | None) -> bool:
        """True for agents; others get an ephemeral refusal and the delivery is done."""
        if await self.agents.is_agent(actor.user, actor.channel):
            return True
        log.info(kv("slack.refused", user=actor.user, ticket=ticket_id))
        now = self.clock.now()
        async with self.store.begin() as conn:
            await queue_ephemeral(
                conn,
                user=actor.user,
                text=self.texts.label("notice.refused"),
                now=now,
                ticket_id=ticket_id,
                channel=actor.channel,
                thread_ts=actor.thread_ts,
            )
            await audit.record(
                conn, "slack.refused", now=now, ticket_id=ticket_id, actor=f"slack:{actor.user}"
            )
            await self._done(conn, row)
        return False

    # --- replies -----------------------------------------------------------------------------

    async def _thread_reply(self, row: Any, body: dict[str, Any]) -> None:
        event = body.get("event") or {}
        channel, thread_ts = str(event.get("channel") or ""), str(event.get("thread_ts") or "")
        async with self.store.connect() as conn:
            ticket_id = await ticket_of_thread(conn, channel, thread_ts)
        if ticket_id is None:
            await self._finish(row)  # a thread that is not a ticket's: ordinary chat
            return
        actor = Actor(str(event.get("user") or ""), channel, thread_ts)
        text = str(event.get("text") or "")
        if is_note(text):
            now = self.clock.now()
            async with self.store.begin() as conn:
                await audit.record(
                    conn,
                    "slack.note",
                    now=now,
                    ticket_id=ticket_id,
                    actor=f"agent:{actor.user}",
                    ts=event.get("ts"),
                )
                await self._done(conn, row)
            return
        if not await self._allowed(row, actor, ticket_id):
            return
        plain = slack_to_plain(text)
        if not plain:
            await self._finish(row)
            return
        await self._queue_reply(row, ticket_id, actor, plain, source=row.event_key)

    async def _send_draft(self, row: Any, ticket_id: int, actor: Actor) -> None:
        if not await self._allowed(row, actor, ticket_id):
            return
        async with self.store.connect() as conn:
            snapshot = await load_snapshot(conn, ticket_id, now=self.clock.now())
        if snapshot is None or not snapshot.draft:
            await self._finish(row)
            return
        await self._queue_reply(row, ticket_id, actor, snapshot.draft, source=row.event_key)

    async def _edit_submitted(self, row: Any, body: dict[str, Any]) -> None:
        view = body.get("view") or {}
        meta = view_metadata(view)
        ticket_id = int(meta.get("ticket_id") or 0)
        text = edited_text(view)
        async with self.store.connect() as conn:
            thread = await thread_of(conn, ticket_id)
        actor = Actor(
            str((body.get("user") or {}).get("id") or ""),
            thread[0] if thread else self.settings.slack.channel,
            thread[1] if thread else None,
        )
        if not ticket_id or not text.strip():
            await self._finish(row)
            return
        if not await self._allowed(row, actor, ticket_id):
            return
        await self._queue_reply(row, ticket_id, actor, text.strip(), source=row.event_key)

    async def _send_anyway(self, row: Any, body: dict[str, Any], source: str, actor: Actor) -> None:
        held = await self._held(source)
        if held is None:
            await self._finish(row)
            return
        ticket_id, text = held
        if not await self._allowed(row, actor, ticket_id):
            return
        warning_ts = (body.get("container") or {}).get("message_ts")
        warning = _first_text(body.get("message") or {})
        warning += "\n" + self.texts.label("notice.sent_anyway", user=actor.user)
        await self._queue_reply(
            row,
            ticket_id,
            actor,
            text,
            source=source,
            check_policy=False,
            replace=(warning_ts, warning) if warning_ts else None,
        )

    async def _held(self, source: str) -> tuple[int, str] | None:
        async with self.store.connect() as conn:
            return await held_reply(conn, source, now=self.clock.now())

    async def _queue_reply(
        self,
        row: Any,
        ticket_id: int,
        actor: Actor,
        text: str,
        *,
        source: str,
        check_policy: bool = True,
        replace: tuple[str, str] | None = None,
    ) -> None:
        """Queue the agent's mail (or the reason it was not) and finish the delivery, at once."""
        async with self.store.begin() as conn:
            outbox_id = await self.replies.queue(
                conn,
                ticket_id=ticket_id,
                actor=actor,
                text=text,
                source=source,
                now=self.clock.now(),
                check_policy=check_policy,
                replace=replace,
            )
            await self._done(conn, row)
        if outbox_id is not None:
            log.info(kv("slack.reply_queued", ticket=ticket_id, outbox=outbox_id, user=actor.user))
            self.on_mail()

    async def _cancel(self, row: Any, body: dict[str, Any], outbox_id: int, actor: Actor) -> None:
        async with self.store.connect() as conn:
            entry = (
                await conn.execute(
                    select(outbox.c.ticket_id, outbox.c.author).where(outbox.c.id == outbox_id)
                )
            ).first()
        if entry is None or not str(entry.author).startswith("agent:"):
            await self._finish(row)
            return
        ticket_id = int(entry.ticket_id)
        if not await self._allowed(row, actor, ticket_id):
            return
        now = self.clock.now()
        async with self.store.begin() as conn:
            # Only a reply nobody is sending yet can be taken back.
            cancelled = await conn.execute(
                update(outbox)
                .where(
                    outbox.c.id == outbox_id,
                    outbox.c.state == "pending",
                    or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now),
                )
                .values(state="cancelled", claimed_by=None, claimed_until=None)
            )
            if cancelled.rowcount == 1:
                text = self.texts.label("notice.cancelled", user=actor.user)
                posted_ts = (body.get("container") or {}).get("message_ts")
                await queue_thread_message(
                    conn, ticket_id=ticket_id, text=text, replace_ts=posted_ts, now=now
                )
                await audit.record(
                    conn,
                    "reply.cancelled",
                    now=now,
                    ticket_id=ticket_id,
                    actor=f"agent:{actor.user}",
                    outbox=outbox_id,
                )
            else:
                await queue_ephemeral(
                    conn,
                    user=actor.user,
                    text=self.texts.label("notice.too_late"),
                    now=now,
                    ticket_id=ticket_id,
                    channel=actor.channel,
                    thread_ts=actor.thread_ts,
                )
            await self._done(conn, row)

    # --- ticket buttons ----------------------------------------------------------------------

    async def _ticket_action(self, row: Any, action_id: str, ticket_id: int, actor: Actor) -> None:
        if not await self._allowed(row, actor, ticket_id):
            return
        now = self.clock.now()
        async with self.store.begin() as conn:
            exists_ = (
                await conn.execute(select(tickets.c.id).where(tickets.c.id == ticket_id))
            ).first()
            if exists_ is None:
                await self._done(conn, row)
                return
            changes: dict[str, Any] = {"updated_at": now}
            if action_id == ids.TAKE:
                changes["assignee"] = actor.user
                notice, event = "notice.taken", "ticket.taken"
            elif action_id == ids.NO_REPLY:
                await close_deadlines(conn, ticket_id=ticket_id, now=now, reason="no_reply_needed")
                changes.update(status="closed", closed_at=now)
                notice, event = "notice.no_reply", "ticket.no_reply_needed"
            elif action_id == ids.CLOSE:
                await close_deadlines(conn, ticket_id=ticket_id, now=now, reason="closed")
                changes.update(status="closed", closed_at=now)
                notice, event = "notice.closed", "ticket.closed"
            else:
                changes.update(status="waiting", closed_at=None)
                notice, event = "notice.reopened", "ticket.reopened"
            await conn.execute(update(tickets).where(tickets.c.id == ticket_id).values(**changes))
            await queue_thread_message(
                conn,
                ticket_id=ticket_id,
                text=self.texts.label(notice, user=actor.user),
                now=now,
                refresh_card=True,
            )
            await audit.record(
                conn, event, now=now, ticket_id=ticket_id, actor=f"agent:{actor.user}"
            )
            await self._done(conn, row)
        log.info(kv("slack.ticket_action", ticket=ticket_id, action=action_id, user=actor.user))

    # --- modals ------------------------------------------------------------------------------

    async def _modal(
        self,
        row: Any,
        body: dict[str, Any],
        action_id: str,
        value: str,
        actor: Actor,
        *,
        live: bool,
    ) -> None:
        if not live and self.clock.now() - row.received_at > TRIGGER_LIFETIME:
            await self._finish(row)  # the trigger has expired: a modal can no longer open
            return
        view: dict[str, Any] | None = None
        if action_id == ids.FULL_MAIL:
            async with self.store.connect() as conn:
                mail = await inbound_mail(conn, int(value)) if value.isdigit() else None
            if mail is not None:
                view = mail_modal(self.texts, mail)
        else:
            if action_id == ids.EDIT_SEND:
                ticket_id: int | None = int(value) if value.isdigit() else None
                async with self.store.connect() as conn:
                    snapshot = (
                        await load_snapshot(conn, ticket_id, now=self.clock.now())
                        if ticket_id
                        else None
                    )
                initial, source = (snapshot.draft or "" if snapshot else ""), None
            else:
                held = await self._held(value)
                ticket_id, initial = held if held else (None, "")
                source = value
            if ticket_id is None:
                await self._finish(row)
                return
            if not await self._allowed(row, actor, ticket_id):
                return
            view = edit_modal(self.texts, ticket_id=ticket_id, initial=initial, source=source)
        if view is not None:
            try:
                await self.client.views_open(trigger_id=body.get("trigger_id"), view=view)
            except Exception as exc:
                log.warning(kv("slack.modal_failed", action=action_id, error=api_error(exc)))
        await self._finish(row)


def _first_text(message: dict[str, Any]) -> str:
    for block in message.get("blocks") or []:
        text = (block.get("text") or {}).get("text")
        if text:
            return str(text)
    return str(message.get("text") or "")
