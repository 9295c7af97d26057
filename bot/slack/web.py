"""``madoguchi web``: Slack's HTTP mode — ``POST /slack/events`` on ``$PORT``.

Bolt checks each request's signature (``X-Slack-Signature``, v0 HMAC-SHA256 of the body with
the signing secret, and a fresh ``X-Slack-Request-Timestamp``) and answers 401 otherwise. The
process also runs the Slack worker and the delivery processor, so an agent's click shows up
without waiting for the mail worker.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.errors import ConfigError
from bot.logs import kv
from bot.slack.app import SlackDesk
from bot.store import Store, open_store
from bot.templates import Renderer

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


def web_app(slack: SlackDesk) -> web.Application:
    """The aiohttp application: Slack's request URL and a health check."""

    async def events(request: web.Request) -> web.Response:
        stamp = request.headers.get("X-Slack-Request-Timestamp", "")
        if not stamp.strip().isdigit() or not request.headers.get("X-Slack-Signature"):
            # Bolt answers a malformed timestamp with 500; a request that is not Slack's gets 401.
            return web.Response(status=401, text="invalid request")
        bolt_request = await to_bolt_request(request)
        return await to_aiohttp_response(await slack.app.async_dispatch(bolt_request))

    async def health(_request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    application = web.Application()
    application.add_routes([web.post(EVENTS_PATH, events), web.get("/healthz", health)])
    return application


def check_http_settings(settings: Settings) -> None:
    """HTTP mode needs a bot token, a channel and the signing secret."""
    slack = settings.slack
    if not slack.bot_token:
        raise ConfigError(
            "MADOGUCHI_SLACK_BOT_TOKEN", "`madoguchi web` needs the bot token", "xoxb-..."
        )
    if not slack.channel:
        raise ConfigError("MADOGUCHI_SLACK_CHANNEL", "no channel for the desk", "C0123456789")
    if not slack.signing_secret:
        raise ConfigError(
            "MADOGUCHI_SLACK_SIGNING_SECRET",
            "HTTP mode verifies every request and needs the signing secret",
            "8f14e45f...",
        )


async def serve(
    settings: Settings,
    stop: asyncio.Event,
    *,
    host: str = "0.0.0.0",
    port: int | None = None,
    store: Store | None = None,
    clock: Clock | None = None,
    slack: SlackDesk | None = None,
    started: asyncio.Future[int] | None = None,
) -> None:
    """Serve Slack's HTTP requests until ``stop`` is set (``started`` gets the bound port)."""
    check_http_settings(settings)
    own_store = store is None and slack is None
    store = slack.store if slack is not None else (store or open_store(settings.database_url))
    await store.migrate()
    if slack is None:
        slack = SlackDesk(settings, store, clock or SystemClock(), Renderer(settings.templates_dir))
    runner = web.AppRunner(web_app(slack), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, settings.slack.http_port if port is None else port)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else 0
    log.info(kv("slack.web.start", host=host, port=bound, path=EVENTS_PATH))
    if started is not None and not started.done():
        started.set_result(int(bound))
    tasks = [asyncio.create_task(loop(stop)) for loop in slack.loops(socket=False)]
    try:
        await stop.wait()
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await runner.cleanup()
        if own_store:
            await store.close()
        log.info(kv("slack.web.stop"))
