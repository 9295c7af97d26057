"""The Slack desk of one process: the Bolt app, the queue worker and the delivery processor.

Socket Mode (the default) needs no public URL: the worker process (``madoguchi run``) holds
the websocket. HTTP mode serves ``/slack/events`` from ``madoguchi web``; Bolt verifies every
request's signature. Either way a delivery is stored first (:mod:`bot.slack.intake`), acked,
then worked on from the store.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock
from bot.config import Settings
from bot.logs import kv
from bot.slack import ids
from bot.slack.actions import SlackEventProcessor
from bot.slack.agents import AgentDirectory
from bot.slack.client import make_client
from bot.slack.intake import delivery_of, store_delivery
from bot.slack.poster import SlackPoster
from bot.slack.replies import edited_text
from bot.slack.texts import SlackTexts
from bot.store import Store
from bot.templates import Renderer

if TYPE_CHECKING:
    from bot.service import Desk

log = logging.getLogger(__name__)

CONTEXT_KEY = "madoguchi_delivery"


class SlackDesk:
    """Everything Slack in one process, wired from the settings."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Clock,
        renderer: Renderer,
        *,
        client: AsyncWebClient | None = None,
        worker: str | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.client = client or make_client(settings.slack)
        self.worker = worker or settings.worker_id
        self.texts = SlackTexts(renderer, settings.shop.seller_language, settings.shop.timezone)
        self.poster = SlackPoster(
            settings, store, self.client, clock, self.texts, worker=self.worker
        )
        self.agents = AgentDirectory(self.client, settings.slack)
        self.processor = SlackEventProcessor(
            settings,
            store,
            clock,
            self.client,
            self.texts,
            renderer,
            self.agents,
            worker=self.worker,
            on_queued=self.poster.wake,
        )
        self._auth: dict[str, Any] | None = None
        self.socket_ping_interval = 10.0  # seconds between websocket pings (and reconnect tries)
        self.app = self._build_app()

    # --- the Bolt app ------------------------------------------------------------------------

    def _build_app(self) -> AsyncApp:
        # Bolt injects listener arguments by parameter name, so it is handed plain functions.
        desk = self
        # Bolt's own client only serves its internals; every call we make goes through ours.
        bolt_client = AsyncWebClient(
            base_url=self.settings.slack.api_url, timeout=self.client.timeout
        )

        async def authorize(
            enterprise_id: str | None, team_id: str | None, user_id: str | None
        ) -> AuthorizeResult:
            return await desk._authorize(enterprise_id, team_id, user_id)

        async def intake(body: dict[str, Any], context: Any, next: Any) -> Any:
            return await desk._intake(body, context, next)

        app = AsyncApp(
            name="madoguchi",
            client=bolt_client,
            signing_secret=self.settings.slack.signing_secret or "",
            authorize=authorize,
            before_authorize=intake,
            process_before_response=False,
            logger=logging.getLogger("slack_bolt.madoguchi"),
        )

        @app.event("message")
        async def on_message(context: Any) -> None:
            key = context.get(CONTEXT_KEY)
            if key:
                await desk.processor.handle_now(key)

        @app.action(re.compile(r"^mdg_"))
        async def on_action(ack: Any, context: Any) -> None:
            await ack()
            key = context.get(CONTEXT_KEY)
            if key:
                await desk.processor.handle_now(key)

        @app.view(ids.EDIT_VIEW)
        async def on_edit_submitted(ack: Any, context: Any, view: dict[str, Any]) -> None:
            if not edited_text(view).strip():
                await ack(
                    response_action="errors",
                    errors={ids.EDIT_BLOCK: desk.texts.label("modal.edit_label")},
                )
            else:
                await ack()
            key = context.get(CONTEXT_KEY)
            if key:
                await desk.processor.handle_now(key)

        return app

    async def _authorize(
        self, enterprise_id: str | None, team_id: str | None, user_id: str | None
    ) -> AuthorizeResult:
        """One ``auth.test`` per process; without it the app still works (bot ids unknown)."""
        if self._auth is None:
            try:
                response = await self.client.auth_test()
                self._auth = dict(response.data) if isinstance(response.data, dict) else {}
            except Exception as exc:
                log.warning(kv("slack.auth_test_failed", error=type(exc).__name__))
        auth = self._auth or {}
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id or auth.get("team_id"),
            bot_token=self.settings.slack.bot_token,
            bot_id=auth.get("bot_id"),
            bot_user_id=auth.get("user_id"),
            user_id=user_id,
        )

    async def _intake(self, body: dict[str, Any], context: Any, next: Any) -> Any:
        """Store the delivery before anything acts on it; a repeat is acked and dropped."""
        delivery = delivery_of(body)
        if delivery is None:
            return await next()
        async with self.store.begin() as conn:
            fresh = await store_delivery(conn, delivery, body, now=self.clock.now())
        if not fresh:
            log.info(kv("slack.duplicate", key=delivery.key))
            return BoltResponse(status=200, body="")
        context[CONTEXT_KEY] = delivery.key
        return await next()

    # --- running -----------------------------------------------------------------------------

    async def run_socket_mode(self, stop: asyncio.Event) -> None:
        """Hold the Socket Mode connection until ``stop``.

        The Slack SDK keeps (re)connecting on its own, also while Slack is away at start-up;
        meanwhile hand-offs simply wait in the store.
        """
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        token = self.settings.slack.app_token
        if not token:
            log.error(kv("slack.socket.no_app_token"))
            return
        handler = AsyncSocketModeHandler(
            self.app,
            app_token=token,
            web_client=self.client,
            logger=logging.getLogger("slack_sdk.socket_mode"),
            ping_interval=self.socket_ping_interval,
        )
        log.info(kv("slack.socket.start", worker=self.worker))
        connect = asyncio.create_task(handler.connect_async())
        stopper = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({connect, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if connect.done() and not connect.cancelled() and connect.exception():
                log.error(kv("slack.socket.failed", error=type(connect.exception()).__name__))
            await stop.wait()
        finally:
            stopper.cancel()
            connect.cancel()
            await handler.close_async()
            log.info(kv("slack.socket.stop", worker=self.worker))

    async def once(self) -> dict[str, Any]:
        """``run --once``: finish stored deliveries, then post everything queued."""
        recovered = await self.processor.recover_all()
        flushed = await self.poster.flush_all()
        return {"events": recovered, **flushed}

    def loops(self, *, socket: bool) -> list[Any]:
        """The long-running loops of this process."""
        found: list[Any] = [self.poster.run, self.processor.run]
        if socket:
            found.append(self.run_socket_mode)
        return found


def attach_slack(desk: Desk) -> SlackDesk:
    """Plug the Slack desk into a worker :class:`~bot.service.Desk` (loops and run-once step)."""
    settings = desk.settings
    slack = SlackDesk(settings, desk.store, desk.clock, desk.renderer)
    slack.processor.on_mail = desk.notify_reply_queued
    socket = settings.slack.mode == "socket" and bool(settings.slack.app_token)
    desk.loops.extend(slack.loops(socket=socket))
    desk.once_steps.append(("slack", slack.once))
    return slack
