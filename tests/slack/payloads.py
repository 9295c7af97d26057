"""What Slack sends: Events API callbacks, block actions, view submissions, signed requests."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

TEAM = "T0TEST"
_serial = itertools.count(1)


def sign(secret: str, body: str, timestamp: int) -> str:
    """Slack's v0 request signature: HMAC-SHA256 of ``v0:{ts}:{body}`` with the signing secret."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    secret: str, body: str, *, timestamp: int | None = None, content_type: str
) -> dict[str, str]:
    """Headers of a genuine Slack request carrying ``body``."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": sign(secret, body, ts),
    }


def event_body(payload: dict[str, Any]) -> tuple[str, str]:
    """An Events API request body (JSON) and its content type."""
    return json.dumps(payload, ensure_ascii=False), "application/json"


def interactive_body(payload: dict[str, Any]) -> tuple[str, str]:
    """An interactivity request body (form field ``payload``) and its content type."""
    return urlencode({"payload": json.dumps(payload, ensure_ascii=False)}), (
        "application/x-www-form-urlencoded"
    )


def message_event(
    *,
    channel: str,
    thread_ts: str,
    user: str,
    text: str,
    ts: str | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """A ``message`` event (an agent writing in a thread) as an ``event_callback``."""
    n = next(_serial)
    ts = ts or f"{int(time.time())}.{900000 + n:06d}"
    return {
        "token": "legacy",
        "team_id": TEAM,
        "api_app_id": "A0TEST",
        "type": "event_callback",
        "event_id": event_id or f"Ev{n:08d}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM, "user_id": "U0BOT", "is_bot": True}],
        "event": {
            "type": "message",
            "channel": channel,
            "channel_type": "channel",
            "user": user,
            "text": text,
            "ts": ts,
            "thread_ts": thread_ts,
            "event_ts": ts,
            "client_msg_id": f"msg-{n}",
        },
    }


def block_action(
    *,
    action_id: str,
    value: str,
    user: str,
    channel: str,
    message_ts: str,
    thread_ts: str | None = None,
    message_text: str = "",
    blocks: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A button click (``block_actions``) on a message in the channel."""
    n = next(_serial)
    message: dict[str, Any] = {"type": "message", "ts": message_ts, "text": message_text}
    if thread_ts:
        message["thread_ts"] = thread_ts
    if blocks is not None:
        message["blocks"] = blocks
    return {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "test-shop"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "api_app_id": "A0TEST",
        "token": "legacy",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": f"{n}.trigger.{n:08d}",
        "channel": {"id": channel, "name": "cs-desk"},
        "message": message,
        "response_url": "https://hooks.invalid/actions/x",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "mdg_actions",
                "value": value,
                "text": {"type": "plain_text", "text": action_id},
                "action_ts": f"{int(time.time())}.{n:06d}",
            }
        ],
    }


def view_submission(
    *, view: dict[str, Any], user: str, text: str, block_id: str, action_id: str
) -> dict[str, Any]:
    """The submission of a modal the app opened, with ``text`` typed in its input."""
    n = next(_serial)
    submitted = dict(view)
    submitted.setdefault("id", f"V{n:08d}")
    submitted["hash"] = f"{n}.hash"
    submitted["state"] = {
        "values": {block_id: {action_id: {"type": "plain_text_input", "value": text}}}
    }
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "test-shop"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "api_app_id": "A0TEST",
        "token": "legacy",
        "trigger_id": f"{n}.trigger.{n:08d}",
        "view": submitted,
    }
