"""The Slack worker: posts what the store queued in ``slack_outbox``, in order, nothing lost.

Rows are claimed with :meth:`Store.claim`; a row is only eligible when no earlier row of the
same ticket is still pending, so each ticket's thread reads in the order things happened, even
with several workers. When Slack is away or rate-limits us, the row is handed back untouched
and the worker pauses; everything stays queued in the store and is posted, in order, when
Slack answers again. Each post carries message metadata naming its row, so a row retried
after a crash mid-call first looks for its own post instead of posting twice.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import and_, exists, func, or_, select, update

from bot.clock import Clock, pause
from bot.config import Settings
from bot.logs import kv
from bot.slack import ids
from bot.slack.card import card_blocks, card_plain_text, card_text
from bot.slack.client import Failure, api_error, classify
from bot.slack.mrkdwn import escape
from bot.slack.snapshot import TicketSnapshot, inbound_mail, load_snapshot
from bot.slack.texts import SlackTexts
from bot.slack.threads import is_conversation_id, save_thread
from bot.slack.views import buyer_mail_blocks
from bot.store import Store
from bot.store.schema import slack_outbox

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
BLOCKS_REFUSED = frozenset({"invalid_blocks", "invalid_blocks_format", "msg_too_long"})
SETUP_PAUSE = 60.0
MAX_OUTAGE_PAUSE = 60.0


@dataclass
class FlushResult:
    """What one pass over the queue did."""

    posted: int = 0
    failed: int = 0
    blocked: Failure | None = None
    tickets: set[int] = field(default_factory=set)


class SlackPoster:
    """Claims ``slack_outbox`` rows and makes them true in Slack."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        client: AsyncWebClient,
        clock: Clock,
        texts: SlackTexts,
        *,
        worker: str,
        lease: timedelta = LEASE,
    ) -> None:
        self.settings = settings
        self.store = store
        self.client = client
        self.clock = clock
        self.texts = texts
        self.worker = worker
        self.lease = lease
        self.paused_until: datetime | None = None
        self.last_failure: Failure | None = None
        self._outages = 0
        self._wake = asyncio.Event()

    # --- the queue ---------------------------------------------------------------------------

    def wake(self) -> None:
        """Look at the queue now (something was just queued)."""
        self._wake.set()

    def _eligible(self, now: datetime) -> Any:
        earlier = slack_outbox.alias("earlier")
        same_ticket = or_(
            earlier.c.ticket_id == slack_outbox.c.ticket_id,
            and_(earlier.c.ticket_id.is_(None), slack_outbox.c.ticket_id.is_(None)),
        )
        blocked = exists().where(
            earlier.c.state == "pending", earlier.c.id < slack_outbox.c.id, same_ticket
        )
        return (slack_outbox.c.state == "pending") & (slack_outbox.c.not_before <= now) & ~blocked

    async def pending(self) -> int:
        """Rows still waiting to be posted."""
        async with self.store.connect() as conn:
            count = await conn.execute(
                select(func.count())
                .select_from(slack_outbox)
                .where(slack_outbox.c.state == "pending")
            )
            return int(count.scalar_one())

    def paused(self) -> bool:
        """True while the worker waits for Slack to come back or a rate limit to pass."""
        return self.paused_until is not None and self.clock.now() < self.paused_until

    async def flush(self, limit: int = 20) -> FlushResult:
        """Post up to ``limit`` due rows, oldest first; stop at the first sign Slack is unwell.

        Rows are claimed one at a time so that a ticket's next row, which becomes eligible only
        when the one before it is done, still goes out in the queue's order.
        """
        result = FlushResult()
        if self.paused():
            result.blocked = self.last_failure
            return result
        for _ in range(limit):
            now = self.clock.now()
            claimed = await self.store.claim(
                slack_outbox,
                self._eligible(now),
                worker=self.worker,
                now=now,
                lease=self.lease,
                limit=1,
            )
            if not claimed:
                break
            row = claimed[0]
            try:
                await self._handle(row)
            except Exception as exc:
                failure = classify(exc)
                if failure.should_wait:
                    await self._hand_back(row, failure)
                    self._pause(failure)
                    result.blocked = failure
                    return result
                log.warning(
                    kv("slack.post_refused", row=row.id, kind=row.kind, error=failure.detail)
                )
                await self._finish(row.id, "failed", failure.detail)
                result.failed += 1
                continue
            await self._finish(row.id, "done", None)
            result.posted += 1
            self._outages = 0
            self.paused_until = None
            if row.ticket_id is not None:
                result.tickets.add(int(row.ticket_id))
        return result

    async def flush_all(self) -> dict[str, Any]:
        """Post everything due now (``run --once``); stops early if Slack is unwell."""
        posted = failed = 0
        blocked: Failure | None = None
        while True:
            result = await self.flush()
            posted += result.posted
            failed += result.failed
            if result.blocked is not None:
                blocked = result.blocked
                break
            if result.posted + result.failed == 0:
                break
        return {
            "posted": posted,
            "failed": failed,
            "waiting": await self.pending(),
            "blocked": blocked.kind if blocked else None,
        }

    async def run(self, stop: asyncio.Event) -> None:
        """Keep the queue flowing until ``stop`` is set."""
        log.info(kv("slack.poster.start", worker=self.worker))
        idle = min(self.settings.poll_seconds, 1.0)
        while not stop.is_set():
            self._wake.clear()
            try:
                result = await self.flush()
            except Exception as exc:  # the store is away: wait and try again
                log.exception(kv("slack.poster.error", error=type(exc).__name__))
                result = FlushResult(blocked=Failure("outage", type(exc).__name__))
            if result.blocked is not None:
                wait = idle
                if self.paused_until is not None:
                    wait = max((self.paused_until - self.clock.now()).total_seconds(), 0.05)
                await pause(stop, min(wait, MAX_OUTAGE_PAUSE))
            elif result.posted + result.failed == 0:
                await pause(stop, idle, self._wake)
        log.info(kv("slack.poster.stop", worker=self.worker))

    def _pause(self, failure: Failure) -> None:
        if failure.kind == "rate_limited":
            seconds = failure.retry_after or 1.0
        elif failure.kind == "setup":
            seconds = SETUP_PAUSE
        else:
            self._outages += 1
            seconds = min(2.0 ** (self._outages - 1), MAX_OUTAGE_PAUSE)
        self.paused_until = self.clock.now() + timedelta(seconds=seconds)
        self.last_failure = failure
        level = logging.ERROR if failure.kind == "setup" else logging.WARNING
        log.log(
            level,
            kv("slack.paused", reason=failure.kind, detail=failure.detail, seconds=seconds),
        )

    async def _hand_back(self, row: Any, failure: Failure) -> None:
        """Return a claimed row untouched, so it stays first in line for its ticket."""
        async with self.store.begin() as conn:
            await conn.execute(
                update(slack_outbox)
                .where(slack_outbox.c.id == row.id, slack_outbox.c.claimed_by == self.worker)
                .values(
                    claimed_by=None,
                    claimed_until=None,
                    last_error=f"{failure.kind}: {failure.detail}"[:2000],
                )
            )

    async def _finish(self, row_id: int, state: str, error: str | None) -> None:
        now = self.clock.now()
        async with self.store.begin() as conn:
            await conn.execute(
                update(slack_outbox)
                .where(slack_outbox.c.id == row_id)
                .values(
                    state=state,
                    done_at=now,
                    last_error=error,
                    claimed_by=None,
                    claimed_until=None,
                )
            )

    async def _remember(self, row: Any, **facts: Any) -> None:
        """Note progress inside a row's payload (a retry then skips what already happened)."""
        async with self.store.begin() as conn:
            current = (
                await conn.execute(
                    select(slack_outbox.c.payload).where(slack_outbox.c.id == row.id)
                )
            ).scalar_one()
            await conn.execute(
                update(slack_outbox)
                .where(slack_outbox.c.id == row.id)
                .values(payload={**dict(current or {}), **facts})
            )

    # --- one row -----------------------------------------------------------------------------

    async def _handle(self, row: Any) -> None:
        payload = dict(row.payload or {})
        kind = row.kind
        if kind == "ticket":
            await self._ticket(row, payload)
        elif kind == "thread_message":
            await self._thread_message(row, payload)
        elif kind == "card_refresh":
            await self._card_refresh(payload)
        elif kind == "channel_message":
            await self._post(
                row,
                "message",
                channel=payload.get("channel") or self.settings.slack.channel,
                text=str(payload.get("text") or ""),
                blocks=payload.get("blocks"),
            )
        elif kind == "ephemeral":
            await self._ephemeral(payload)
        else:
            log.warning(kv("slack.unknown_kind", row=row.id, kind=kind))

    async def _snapshot(self, ticket_id: int) -> TicketSnapshot | None:
        async with self.store.connect() as conn:
            return await load_snapshot(conn, ticket_id, now=self.clock.now())

    async def _ensure_card(self, row: Any, ticket_id: int) -> tuple[TicketSnapshot, bool] | None:
        """The ticket with its thread, posting the card first if it has none. True if new."""
        snapshot = await self._snapshot(ticket_id)
        if snapshot is None:
            log.warning(kv("slack.no_ticket", row=row.id, ticket=ticket_id))
            return None
        if snapshot.thread is not None:
            return snapshot, False
        try:
            posted = await self._post(
                row,
                "card",
                channel=self.settings.slack.channel,
                text=card_text(snapshot, self.texts),
                blocks=self._card(snapshot),
            )
        except Exception as exc:
            if api_error(exc) not in BLOCKS_REFUSED:
                raise
            # Slack refused the layout: the ticket must still reach the agents, as plain text.
            log.warning(kv("slack.card_plain", ticket=ticket_id, error=api_error(exc)))
            posted = await self._post(
                row,
                "card",
                channel=self.settings.slack.channel,
                text=card_plain_text(snapshot, self.texts),
            )
        channel, ts = posted
        async with self.store.begin() as conn:
            await save_thread(conn, ticket_id, channel, ts, now=self.clock.now())
        await self._remember(row, card_posted=ts)
        log.info(kv("slack.card_posted", ticket=ticket_id, row=row.id))
        return _with_thread(snapshot, channel, ts), True

    def _card(self, snapshot: TicketSnapshot) -> list[dict[str, Any]]:
        return card_blocks(
            snapshot, self.texts, tracking_overrides=self.settings.shop.carrier_tracking_urls
        )

    async def _refresh(self, snapshot: TicketSnapshot) -> None:
        assert snapshot.thread is not None
        channel, ts = snapshot.thread
        fresh = await self._snapshot(snapshot.id) or snapshot
        try:
            await self.client.chat_update(
                channel=channel, ts=ts, text=card_text(fresh, self.texts), blocks=self._card(fresh)
            )
        except Exception as exc:
            if api_error(exc) in ("message_not_found", "cant_update_message"):
                log.warning(kv("slack.card_gone", ticket=snapshot.id, error=api_error(exc)))
                return
            raise

    async def _ticket(self, row: Any, payload: dict[str, Any]) -> None:
        ticket_id = int(payload["ticket_id"])
        ensured = await self._ensure_card(row, ticket_id)
        if ensured is None:
            return
        snapshot, new_card = ensured
        new_card = new_card or bool(payload.get("card_posted"))
        decision = payload.get("decision")
        if decision == "send_failed":
            reason = escape(str(payload.get("reason") or "?"))[:1500]
            text = self.texts.label("notice.send_failed", reason=reason)
            await self._post_in_thread(row, snapshot, "notice", text=text)
        elif not new_card and payload.get("message_id") is not None:
            async with self.store.connect() as conn:
                mail = await inbound_mail(conn, int(payload["message_id"]))
            if mail is not None:
                blocks = buyer_mail_blocks(self.texts, mail)
                await self._post_in_thread(
                    row, snapshot, "mail", text=blocks[0]["text"]["text"][:3000], blocks=blocks
                )
        if not new_card:
            await self._refresh(snapshot)

    async def _thread_message(self, row: Any, payload: dict[str, Any]) -> None:
        ticket_id = int(payload["ticket_id"])
        ensured = await self._ensure_card(row, ticket_id)
        if ensured is None:
            return
        snapshot, _new = ensured
        text = self._notice_text(payload)
        blocks = payload.get("blocks")
        if payload.get("replace_ts"):
            channel = payload.get("channel") or snapshot.thread[0]  # type: ignore[index]
            kwargs: dict[str, Any] = {"channel": channel, "ts": payload["replace_ts"], "text": text}
            kwargs["blocks"] = blocks or [
                {"type": "section", "text": {"type": "mrkdwn", "text": text}}
            ]
            await self.client.chat_update(**kwargs)
        else:
            await self._post_in_thread(row, snapshot, "message", text=text, blocks=blocks)
        if payload.get("refresh_card") or payload.get("notice"):
            await self._refresh(snapshot)

    def _notice_text(self, payload: dict[str, Any]) -> str:
        notice = payload.get("notice")
        if notice == "mail_sent":
            author = str(payload.get("author") or "")
            message_id = str(payload.get("message_id") or "")
            if author.startswith("agent:"):
                return self.texts.label(
                    "notice.sent", user=author.split(":", 1)[1], message_id=message_id
                )
            return self.texts.label("notice.sent_bot", message_id=message_id)
        return str(payload.get("text") or "")

    async def _card_refresh(self, payload: dict[str, Any]) -> None:
        snapshot = await self._snapshot(int(payload["ticket_id"]))
        if snapshot is None or snapshot.thread is None:
            return  # no card to refresh: tickets the desk answered alone have none
        await self._refresh(snapshot)

    async def _ephemeral(self, payload: dict[str, Any]) -> None:
        kwargs: dict[str, Any] = {
            "channel": payload.get("channel") or self.settings.slack.channel,
            "user": payload["user"],
            "text": str(payload.get("text") or ""),
        }
        if payload.get("thread_ts"):
            kwargs["thread_ts"] = payload["thread_ts"]
        try:
            await self.client.chat_postEphemeral(**kwargs)
        except Exception as exc:
            # The user left the channel: an ephemeral note has nobody to reach any more.
            if api_error(exc) in ("user_not_in_channel", "channel_not_found"):
                log.info(kv("slack.ephemeral_dropped", error=api_error(exc)))
                return
            raise

    # --- posting, exactly once ---------------------------------------------------------------

    async def _post_in_thread(
        self,
        row: Any,
        snapshot: TicketSnapshot,
        part: str,
        *,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
    ) -> tuple[str, str]:
        assert snapshot.thread is not None
        channel, thread_ts = snapshot.thread
        return await self._post(
            row, part, channel=channel, text=text, blocks=blocks, thread_ts=thread_ts
        )

    async def _post(
        self,
        row: Any,
        part: str,
        *,
        channel: str | None,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> tuple[str, str]:
        """chat.postMessage once per (row, part); returns (channel id, ts)."""
        if not channel:
            raise ValueError("no Slack channel configured")
        if row.attempts > 1:
            found = await self._find_post(row, part, channel, thread_ts)
            if found is not None:
                log.info(kv("slack.already_posted", row=row.id, part=part))
                return found
        kwargs: dict[str, Any] = {
            "channel": channel,
            "text": text[:3900] or " ",
            "metadata": {
                "event_type": ids.METADATA_TYPE,
                "event_payload": {"row": row.id, "part": part},
            },
            "unfurl_links": False,
            "unfurl_media": False,
        }
        if blocks:
            kwargs["blocks"] = blocks
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        response = await self.client.chat_postMessage(**kwargs)
        return str(response["channel"]), str(response["ts"])

    async def _find_post(
        self, row: Any, part: str, channel: str, thread_ts: str | None
    ) -> tuple[str, str] | None:
        """Our earlier post for (row, part), if Slack has it: the row was tried before."""
        if not is_conversation_id(channel):
            return None  # history needs an id; a channel given by name cannot be searched
        if thread_ts is not None:
            response = await self.client.conversations_replies(
                channel=channel, ts=thread_ts, include_all_metadata=True, limit=200
            )
        else:
            oldest = (row.created_at - timedelta(minutes=5)).timestamp()
            response = await self.client.conversations_history(
                channel=channel, oldest=f"{oldest:.6f}", include_all_metadata=True, limit=200
            )
        for message in response.get("messages") or []:
            meta = message.get("metadata") or {}
            body = meta.get("event_payload") or {}
            if (
                meta.get("event_type") == ids.METADATA_TYPE
                and body.get("row") == row.id
                and body.get("part") == part
            ):
                return channel, str(message["ts"])
        return None


def _with_thread(snapshot: TicketSnapshot, channel: str, ts: str) -> TicketSnapshot:
    return replace(snapshot, thread=(channel, ts))
