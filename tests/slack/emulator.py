"""A Slack Web API and Socket Mode emulator on loopback, for tests (no Slack servers needed).

It answers the Web API methods the desk uses over GET and POST, records every call, checks
tokens, can fail on demand (429 with Retry-After, 5xx, an ``ok: false`` error, or "did it,
then answered 500"), can be stopped and restarted on the same port (an outage), and plays
Socket Mode: ``apps.connections.open`` returns a ``ws://`` URL to its own websocket, which says
``hello`` and then delivers ``events_api`` / ``interactive`` envelopes and checks the acks.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web


@dataclass
class Call:
    """One Web API call as the emulator saw it."""

    method: str
    verb: str
    args: dict[str, Any]
    token: str | None
    at: float  # time.monotonic() when it arrived
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class Fault:
    """A failure to serve instead of the real answer."""

    method: str  # a method name, or "*" for any
    status: int = 500
    times: int = 1
    retry_after: int | None = None
    error: str | None = None
    after_effect: bool = False  # do the work, then answer with the failure


@dataclass
class Channel:
    id: str
    name: str
    members: list[str]
    is_member: bool = True
    is_private: bool = False
    is_archived: bool = False


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true", "yes")


class SlackEmulator:
    """The emulator; ``await start()``, use ``api_url``, ``await stop()``."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-test-token",
        app_token: str = "xapp-test-token",
        team_id: str = "T0TEST",
        bot_user: str = "U0BOT",
        bot_id: str = "B0BOT",
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.team_id = team_id
        self.bot_user = bot_user
        self.bot_id = bot_id
        self.channels: dict[str, Channel] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.views: list[dict[str, Any]] = []
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.port = 0
        self._ts = itertools.count(1)
        self._ts_base = int(time.time())
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        # Socket Mode
        self.sockets: list[web.WebSocketResponse] = []
        self.acks: dict[str, dict[str, Any]] = {}
        self.unexpected_acks: list[dict[str, Any]] = []
        self.sent_envelopes: dict[str, dict[str, Any]] = {}
        self.connections_opened = 0

    # --- life cycle --------------------------------------------------------------------------

    async def start(self, port: int = 0) -> None:
        """Listen on 127.0.0.1 (``port`` 0 picks a free one; a restart reuses it)."""
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/link/", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port or self.port or 0, reuse_address=True)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop listening (connections are refused until :meth:`start`)."""
        for ws in list(self.sockets):
            await ws.close()
        self.sockets.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_url(self) -> str:
        """The Web API base URL (trailing slash), as ``MADOGUCHI_SLACK_API_URL`` wants it."""
        return f"http://127.0.0.1:{self.port}/api/"

    # --- set-up ------------------------------------------------------------------------------

    def add_channel(
        self, channel_id: str, name: str, members: list[str], *, is_member: bool = True
    ) -> None:
        """A channel the bot can post to (``is_member``) with these human members."""
        self.channels[channel_id] = Channel(channel_id, name, list(members), is_member)
        self.messages.setdefault(channel_id, [])

    def fail(
        self,
        method: str,
        status: int = 500,
        *,
        times: int = 1,
        retry_after: int | None = None,
        error: str | None = None,
        after_effect: bool = False,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (or ``"*"``) with a failure."""
        self.faults.append(Fault(method, status, times, retry_after, error, after_effect))

    # --- looking at what happened ------------------------------------------------------------

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[Call]:
        """Calls of ``method`` so far (``ok=True``: only those answered with success)."""
        found = [c for c in self.calls if c.method == method]
        if ok is not None:
            found = [c for c in found if (c.status == 200 and c.response.get("ok")) == ok]
        return found

    def posts(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages posted, in order (top-level and in threads)."""
        chans = [channel] if channel else list(self.messages)
        out = [m for c in chans for m in self.messages.get(c, [])]
        return sorted(out, key=lambda m: float(m["ts"]))

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """Replies in a thread (the parent excluded), in order."""
        return [
            m
            for m in self.posts(channel)
            if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts
        ]

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        *,
        count: int = 1,
        within: float = 10.0,
    ) -> list[Call]:
        """Wait until ``count`` successful calls of ``method`` match ``predicate``."""

        def matching() -> list[Call]:
            return [c for c in self.calls_to(method, ok=True) if predicate is None or predicate(c)]

        deadline = time.monotonic() + within
        while len(matching()) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                seen = [(c.method, c.status) for c in self.calls[-15:]]
                raise AssertionError(f"no {count}× {method} within {within}s; last calls: {seen}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=min(left, 0.2))
        return matching()

    # --- the Web API -------------------------------------------------------------------------

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST":
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    args.update(body)
            else:
                args.update(dict(await request.post()))
        for key in ("blocks", "metadata", "view"):
            if isinstance(args.get(key), str):
                with contextlib.suppress(ValueError):
                    args[key] = json.loads(args[key])
        return args

    def _next_ts(self) -> str:
        return f"{self._ts_base}.{next(self._ts):06d}"

    def _take_fault(self, method: str) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and fault.method in (method, "*"):
                fault.times -= 1
                if fault.times == 0:
                    self.faults.remove(fault)
                return fault
        return None

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() or args.get("token")
        call = Call(method, request.method, args, token, time.monotonic())
        self.calls.append(call)
        try:
            fault = self._take_fault(method)
            if fault is not None and not fault.after_effect:
                return self._fault_response(call, fault)
            body = self._answer(method, args, token)
            if fault is not None:
                return self._fault_response(call, fault)
            call.response = body
            return web.json_response(body)
        finally:
            self._changed.set()

    def _fault_response(self, call: Call, fault: Fault) -> web.Response:
        call.status = fault.status
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        error = fault.error or ("ratelimited" if fault.status == 429 else "internal_error")
        call.response = {"ok": False, "error": error}
        return web.json_response(call.response, status=fault.status, headers=headers)

    def _answer(self, method: str, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        if method == "apps.connections.open":
            if token != self.app_token:
                return {"ok": False, "error": "invalid_auth"}
            self.connections_opened += 1
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link/?ticket={uuid.uuid4()}"}
        if token != self.bot_token:
            return {"ok": False, "error": "invalid_auth"}
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        return handler(args)

    def _channel(self, name: Any) -> Channel | None:
        key = str(name or "")
        if key in self.channels:
            return self.channels[key]
        for channel in self.channels.values():
            if key.lstrip("#") == channel.name:
                return channel
        return None

    def _m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://test-shop.slack.com/",
            "team": "Test Shop",
            "user": "madoguchi",
            "team_id": self.team_id,
            "user_id": self.bot_user,
            "bot_id": self.bot_id,
        }

    def _m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if not channel.is_member:
            return {"ok": False, "error": "not_in_channel"}
        message: dict[str, Any] = {
            "type": "message",
            "ts": self._next_ts(),
            "text": args.get("text", ""),
            "user": self.bot_user,
            "bot_id": self.bot_id,
        }
        for key in ("blocks", "thread_ts", "metadata"):
            if args.get(key):
                message[key] = args[key]
        if message.get("thread_ts"):
            parent = next(
                (m for m in self.messages[channel.id] if m["ts"] == message["thread_ts"]), None
            )
            if parent is None:
                return {"ok": False, "error": "thread_not_found"}
        self.messages[channel.id].append(message)
        return {"ok": True, "channel": channel.id, "ts": message["ts"], "message": message}

    def _m_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        for message in self.messages[channel.id]:
            if message["ts"] == args.get("ts"):
                message["text"] = args.get("text", message.get("text", ""))
                if "blocks" in args:
                    message["blocks"] = args["blocks"]
                message["edited"] = True
                return {"ok": True, "channel": channel.id, "ts": message["ts"]}
        return {"ok": False, "error": "message_not_found"}

    def _m_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if args.get("user") not in channel.members:
            return {"ok": False, "error": "user_not_in_channel"}
        note = {"channel": channel.id, **{k: args.get(k) for k in ("user", "text", "thread_ts")}}
        self.ephemerals.append(note)
        return {"ok": True, "message_ts": self._next_ts()}

    def _m_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        view = dict(args.get("view") or {})
        view["id"] = f"V{len(self.views) + 1:08d}"
        self.views.append({"trigger_id": args["trigger_id"], "view": view})
        return {"ok": True, "view": view}

    def _m_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": dict(args.get("view") or {})}

    def _m_conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(args.get("channel")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        return {
            "ok": True,
            "channel": {
                "id": channel.id,
                "name": channel.name,
                "is_member": channel.is_member,
                "is_private": channel.is_private,
                "is_archived": channel.is_archived,
            },
        }

    def _m_conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(args.get("channel")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        members = channel.members + ([self.bot_user] if channel.is_member else [])
        start = int(args.get("cursor") or 0)
        limit = int(args.get("limit") or 100)
        page = members[start : start + limit]
        cursor = str(start + limit) if start + limit < len(members) else ""
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": cursor}}

    def _history(self, items: list[dict[str, Any]], args: dict[str, Any]) -> list[dict[str, Any]]:
        keep_meta = _truthy(args.get("include_all_metadata"))
        return [{k: v for k, v in m.items() if keep_meta or k != "metadata"} for m in items]

    def _m_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(args.get("channel")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        oldest = float(args.get("oldest") or 0)
        top = [
            m
            for m in self.messages[channel.id]
            if m.get("thread_ts") in (None, m["ts"]) and float(m["ts"]) >= oldest
        ]
        return {"ok": True, "messages": self._history(list(reversed(top)), args)}

    def _m_conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(args.get("channel")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        ts = str(args.get("ts"))
        items = [m for m in self.messages[channel.id] if m["ts"] == ts or m.get("thread_ts") == ts]
        if not items:
            return {"ok": False, "error": "thread_not_found"}
        return {"ok": True, "messages": self._history(items, args)}

    def _m_usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        group = str(args.get("usergroup"))
        if group not in self.usergroups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(self.usergroups[group])}

    def _m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user}

    # --- Socket Mode -------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.sockets.append(ws)
        self._changed.set()
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self.sockets),
                "debug_info": {"host": "emulator", "approximate_connection_time": 3600},
                "connection_info": {"app_id": "A0TEST"},
            }
        )
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                ack = json.loads(message.data)
                envelope_id = ack.get("envelope_id")
                if envelope_id in self.sent_envelopes and envelope_id not in self.acks:
                    self.acks[envelope_id] = ack
                else:
                    self.unexpected_acks.append(ack)
                self._changed.set()
        finally:
            if ws in self.sockets:
                self.sockets.remove(ws)
        return ws

    async def wait_connected(self, within: float = 10.0) -> None:
        """Wait until a Socket Mode client holds the websocket."""
        deadline = time.monotonic() + within
        while not self.sockets:
            if time.monotonic() > deadline:
                raise AssertionError("no Socket Mode connection")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=0.2)

    async def send_envelope(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        envelope_id: str | None = None,
        retry_attempt: int = 0,
    ) -> str:
        """Deliver one envelope (``events_api`` or ``interactive``) over the websocket."""
        if not self.sockets:
            raise AssertionError("no Socket Mode connection to deliver on")
        envelope_id = envelope_id or str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind == "interactive",
            "retry_attempt": retry_attempt,
            "retry_reason": "timeout" if retry_attempt else "",
        }
        self.sent_envelopes[envelope_id] = envelope
        self.acks.pop(envelope_id, None)
        await self.sockets[-1].send_json(envelope)
        return envelope_id

    async def wait_ack(self, envelope_id: str, within: float = 5.0) -> dict[str, Any]:
        """The client's ack of an envelope (fails if none comes ``within`` seconds)."""
        deadline = time.monotonic() + within
        while envelope_id not in self.acks:
            if time.monotonic() > deadline:
                raise AssertionError(f"envelope {envelope_id} was not acked within {within}s")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=0.1)
        return self.acks[envelope_id]
