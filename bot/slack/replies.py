"""An agent's reply, from Slack text to a held outbox entry (inside the caller's transaction).

The mail is composed like any reply of the desk (``compose(..., automatic=False)``, threaded on
the buyer's last mail, signed with the shop's signature), checked against the marketplace
rules, and held for the undo window. What the thread should show is queued beside it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import audit
from bot.config import Settings, ShopSettings
from bot.mail.compose import compose, make_message_id, reply_subject
from bot.mail.outbox import enqueue
from bot.policy import check_text, warning_text
from bot.slack import ids
from bot.slack.mrkdwn import escape, slack_to_plain
from bot.slack.snapshot import latest_inbound, load_snapshot, pending_agent_mail
from bot.slack.texts import SlackTexts
from bot.slack.threads import ticket_of_thread
from bot.slack.views import policy_blocks, queued_blocks
from bot.store.schema import outbox, shipments, slack_events, tickets
from bot.store.slack_queue import queue_ephemeral, queue_thread_message
from bot.templates import Renderer


@dataclass(frozen=True)
class Actor:
    """Who did it and where: the Slack user, and the channel/thread for any note back."""

    user: str
    channel: str | None
    thread_ts: str | None = None


def reply_body(renderer: Renderer, shop: ShopSettings, text: str) -> str:
    """The agent's text with the shop's signature, unless they already signed it."""
    signature = renderer.render("ja", "_signature.txt", shop=shop).strip()
    signed = bool(signature) and signature in text
    return renderer.render(
        "ja", "slack/_agent_reply.txt", text=text.strip(), with_signature=not signed, shop=shop
    )


def edited_text(view: dict[str, Any]) -> str:
    """The reply typed into the edit modal."""
    values = ((view.get("state") or {}).get("values") or {}).get(ids.EDIT_BLOCK) or {}
    return str((values.get(ids.EDIT_INPUT) or {}).get("value") or "")


def view_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """The modal's ``private_metadata`` (what the app put there when it opened it)."""
    try:
        value = json.loads(view.get("private_metadata") or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


async def held_reply(
    conn: AsyncConnection, source: str, *, now: datetime
) -> tuple[int, str] | None:
    """The ticket and text of a reply the policy check held, read from its original delivery."""
    original = (
        await conn.execute(
            select(slack_events.c.kind, slack_events.c.payload).where(
                slack_events.c.event_key == source
            )
        )
    ).first()
    if original is None:
        return None
    body = dict(original.payload or {})
    ticket_id: int | None
    if original.kind == "message":
        event = body.get("event") or {}
        ticket_id = await ticket_of_thread(
            conn, str(event.get("channel")), str(event.get("thread_ts"))
        )
        text = slack_to_plain(str(event.get("text") or ""))
    elif str(original.kind).startswith("view:"):
        view = body.get("view") or {}
        ticket_id = int(view_metadata(view).get("ticket_id") or 0) or None
        text = edited_text(view).strip()
    else:  # "Send draft": the ticket's draft
        value = str((body.get("actions") or [{}])[0].get("value") or "")
        ticket_id = int(value) if value.isdigit() else None
        snapshot = await load_snapshot(conn, ticket_id, now=now) if ticket_id else None
        text = (snapshot.draft or "") if snapshot else ""
    if ticket_id is None or not text:
        return None
    return ticket_id, text


class AgentReplies:
    """Turns an agent's text into a held mail and the thread's notes about it."""

    def __init__(self, settings: Settings, renderer: Renderer, texts: SlackTexts) -> None:
        self.settings = settings
        self.renderer = renderer
        self.texts = texts

    async def queue(
        self,
        conn: AsyncConnection,
        *,
        ticket_id: int,
        actor: Actor,
        text: str,
        source: str,
        now: datetime,
        check_policy: bool = True,
        replace: tuple[str, str] | None = None,
    ) -> int | None:
        """Queue the mail for after the undo window; its outbox id, or None if held or refused.

        ``source`` is the delivery that asked for it: the Message-ID is derived from it, so the
        same request can never queue two mails. ``replace`` (ts, text) rewrites a policy
        warning once the agent chose "Send anyway".
        """
        shop = self.settings.shop
        body = reply_body(self.renderer, shop, text)
        ticket = (await conn.execute(select(tickets).where(tickets.c.id == ticket_id))).first()
        if ticket is None:
            return None
        if not ticket.buyer_address:
            await queue_thread_message(
                conn, ticket_id=ticket_id, text=self.texts.label("notice.no_buyer_address"), now=now
            )
            return None
        if check_policy:
            known = await _known_numbers(conn, ticket.order_id)
            if await self._held_by_policy(conn, ticket_id, actor, body, known, source, now):
                return None
        message_id = make_message_id(f"agent:{source}", shop.address.split("@", 1)[1])
        already = (
            await conn.execute(select(outbox.c.id).where(outbox.c.message_id == message_id))
        ).first()
        if already is not None or await pending_agent_mail(conn, ticket_id, body):
            await queue_ephemeral(
                conn,
                user=actor.user,
                text=self.texts.label("notice.already_queued"),
                now=now,
                ticket_id=ticket_id,
                channel=actor.channel,
                thread_ts=actor.thread_ts,
            )
            return None
        last = await latest_inbound(conn, ticket_id)
        subject = reply_subject(last.subject if last else ticket.subject)
        raw = compose(
            from_name=shop.name,
            from_addr=shop.address,
            to=ticket.buyer_address,
            subject=subject,
            body=body,
            message_id=message_id,
            date=now,
            in_reply_to=last.message_id if last else None,
            references=list(last.references) if last else [],
            automatic=False,
        )
        send_at = now + timedelta(seconds=self.settings.slack.undo_seconds)
        outbox_id = await enqueue(
            conn,
            ticket_id=ticket_id,
            decision_id=None,
            message_id=message_id,
            mail_from=shop.address,
            rcpt_to=[ticket.buyer_address],
            subject=subject,
            body=body,
            raw=raw,
            author=f"agent:{actor.user}",
            now=now,
            not_before=send_at,
        )
        if not ticket.assignee:  # whoever answers first has taken the ticket
            await conn.execute(
                update(tickets).where(tickets.c.id == ticket_id).values(assignee=actor.user)
            )
        if replace is not None:
            await queue_thread_message(
                conn, ticket_id=ticket_id, text=replace[1], replace_ts=replace[0], now=now
            )
        notice = self.texts.label(
            "notice.queued",
            user=actor.user,
            when=self.texts.clock(send_at),
            seconds=f"{self.settings.slack.undo_seconds:g}",
        )
        await queue_thread_message(
            conn,
            ticket_id=ticket_id,
            text=notice,
            blocks=queued_blocks(notice, self.texts, outbox_id),
            now=now,
            refresh_card=not ticket.assignee,
        )
        await audit.record(
            conn,
            "reply.queued",
            now=now,
            ticket_id=ticket_id,
            actor=f"agent:{actor.user}",
            outbox=outbox_id,
            message_id=message_id,
            policy_checked=check_policy,
        )
        return outbox_id

    async def _held_by_policy(
        self,
        conn: AsyncConnection,
        ticket_id: int,
        actor: Actor,
        body: str,
        known_numbers: list[str],
        source: str,
        now: datetime,
    ) -> bool:
        """Post the warning with "Send anyway" / "Edit" when the text breaks a rule."""
        violations = check_text(
            body, self.settings.shop, author="agent", known_numbers=known_numbers
        )
        if not violations:
            return False
        rules_lang = "ja" if self.texts.lang == "ja" else "en"
        listed = escape(warning_text(violations[:10], rules_lang))
        warning = self.texts.label("notice.policy_warning", user=actor.user, violations=listed)
        await queue_thread_message(
            conn,
            ticket_id=ticket_id,
            text=warning,
            blocks=policy_blocks(warning, self.texts, source),
            now=now,
        )
        await audit.record(
            conn,
            "reply.held_by_policy",
            now=now,
            ticket_id=ticket_id,
            actor=f"agent:{actor.user}",
            rules=sorted({v.rule for v in violations}),
        )
        return True


async def _known_numbers(conn: AsyncConnection, order_id: str | None) -> list[str]:
    """The ticket's order ID and tracking numbers: never mistaken for phone numbers."""
    if not order_id:
        return []
    found = (
        await conn.execute(
            select(shipments.c.tracking_number).where(shipments.c.order_id == order_id)
        )
    ).scalars()
    return [order_id, *found]
