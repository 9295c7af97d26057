"""Slack deliveries, stored before anything else happens (``slack_events``).

Each delivery that can change something gets a key; inserting the key is the decision to act,
so a delivery Slack repeats (the same event, the same envelope) is recognised and acked with
no second effect. A stored delivery is worked on after the ack, and one that was never
finished (the process died) is picked up again from the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.slack import ids
from bot.store.schema import slack_events
from bot.store.sql import insert_ignore

# Message subtypes that are still an agent writing in the thread.
_AGENT_SUBTYPES = (None, "thread_broadcast", "file_share")


@dataclass(frozen=True)
class Delivery:
    """What a Slack request is, for the store: its idempotency key and its kind."""

    key: str
    kind: str  # message | action:<action_id> | view:<callback_id>


def delivery_of(body: Mapping[str, Any]) -> Delivery | None:
    """The key and kind of a request the desk acts on, or None for everything else."""
    kind = body.get("type")
    if kind == "event_callback":
        event = body.get("event") or {}
        if event.get("type") != "message" or event.get("bot_id") or not event.get("user"):
            return None
        if event.get("subtype") not in _AGENT_SUBTYPES:
            return None
        thread_ts, ts = event.get("thread_ts"), event.get("ts")
        if not thread_ts or not ts or thread_ts == ts:
            return None  # only replies inside a ticket's thread are mail
        # One Slack message is one reply, however many times or ways it is delivered.
        return Delivery(f"message:{event.get('channel')}:{ts}", "message")
    if kind == "block_actions":
        actions = body.get("actions") or []
        if not actions:
            return None
        action = actions[0]
        action_id = str(action.get("action_id") or "")
        if not action_id.startswith("mdg_"):
            return None
        user = (body.get("user") or {}).get("id", "")
        stamp = action.get("action_ts") or body.get("trigger_id") or ""
        return Delivery(f"action:{action_id}:{user}:{stamp}"[:200], f"action:{action_id}")
    if kind == "view_submission":
        view = body.get("view") or {}
        if view.get("callback_id") != ids.EDIT_VIEW:
            return None
        stamp = body.get("trigger_id") or view.get("hash") or ""
        return Delivery(f"view:{view.get('id')}:{stamp}"[:200], f"view:{ids.EDIT_VIEW}")
    return None


async def store_delivery(
    conn: AsyncConnection, delivery: Delivery, body: Mapping[str, Any], *, now: datetime
) -> bool:
    """Store a delivery; False when the same key was stored before (a repeat)."""
    inserted = await insert_ignore(
        conn,
        slack_events,
        {
            "event_key": delivery.key,
            "kind": delivery.kind,
            "payload": dict(body),
            "state": "received",
            "received_at": now,
        },
        ["event_key"],
    )
    return inserted is not None
