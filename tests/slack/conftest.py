"""Fixtures of the Slack tests: the emulator, Slack settings, the desk, an SMTP sink."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from email import message_from_bytes
from email.message import Message
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from bot.clock import ManualClock
from bot.config import OutboxSettings, Settings, SlackSettings
from bot.slack.app import SlackDesk
from bot.store import Store
from bot.templates import Renderer
from tests.slack.emulator import SlackEmulator

SECRET = "8f14e45fceea167a5a36dedd4bea2543"
CHANNEL = "C0DESK0001"
AGENT = "U0AGENT01"
AGENT2 = "U0AGENT02"
OUTSIDER = "U0OTHER01"
AGENT_GROUP = "S0AGENTS01"


@pytest.fixture
async def emulator() -> AsyncIterator[SlackEmulator]:
    """The Slack emulator with the desk channel (#cs-desk) and an agent user group."""
    emu = SlackEmulator()
    emu.add_channel(CHANNEL, "cs-desk", [AGENT, AGENT2, OUTSIDER])
    emu.usergroups[AGENT_GROUP] = [AGENT, AGENT2]
    emu.users[AGENT] = {"id": AGENT, "name": "sato", "real_name": "佐藤 花子"}
    await emu.start()
    yield emu
    await emu.stop()


SettingsFactory = Callable[..., Settings]


@pytest.fixture
def slack_settings(make_settings: Any, emulator: SlackEmulator) -> SettingsFactory:
    """Settings with Slack pointed at the emulator (``**slack`` overrides SlackSettings)."""

    def build(db_url: str, *, seller_language: str = "en", **slack: Any) -> Settings:
        base = make_settings(db_url)
        desk = SlackSettings(
            bot_token=emulator.bot_token,
            app_token=emulator.app_token,
            signing_secret=SECRET,
            channel=CHANNEL,
            api_url=emulator.api_url,
            mode="socket",
            undo_seconds=10.0,
        )
        shop = replace(base.shop, seller_language=seller_language)
        return replace(base, slack=replace(desk, **slack), shop=shop, poll_seconds=0.2)

    return build


@pytest.fixture
def make_desk(
    store: Store, db_url: str, clock: ManualClock, slack_settings: SettingsFactory
) -> Callable[..., SlackDesk]:
    """A Slack desk on the test store and clock (``**changes`` go to ``slack_settings``)."""

    def build(**changes: Any) -> SlackDesk:
        settings = slack_settings(db_url, **changes)
        return SlackDesk(settings, store, clock, Renderer(settings.templates_dir))

    return build


@dataclass
class SmtpSink:
    """An aiosmtpd server in the test's loop that keeps what it receives."""

    port: int = 0
    received: list[Envelope] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.received.append(envelope)
        self.arrived.set()
        return "250 OK"

    def messages(self) -> list[Message]:
        """The received mails, parsed."""
        return [
            message_from_bytes(bytes(e.original_content or b""), policy=default_policy)
            for e in self.received
        ]

    def outbox_settings(self) -> OutboxSettings:
        """``MADOGUCHI_OUTBOX=smtp://127.0.0.1:PORT`` for this sink."""
        return OutboxSettings(
            scheme="smtp", url=f"smtp://127.0.0.1:{self.port}", host="127.0.0.1", port=self.port
        )


@pytest.fixture
async def smtp_sink() -> AsyncIterator[SmtpSink]:
    """A real SMTP server on loopback, in this test's event loop."""
    sink = SmtpSink()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(sink), "127.0.0.1", 0)
    sink.port = int(server.sockets[0].getsockname()[1])
    yield sink
    server.close()
    await server.wait_closed()


@dataclass
class HttpDesk:
    """The desk served over HTTP (``madoguchi web``) on loopback, and a signed-request client."""

    desk: SlackDesk
    url: str
    session: Any

    async def send(
        self,
        payload: dict[str, Any],
        *,
        interactive: bool = False,
        secret: str = SECRET,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        """POST ``payload`` to /slack/events the way Slack does (signed)."""
        from tests.slack.payloads import event_body, interactive_body, signed_headers

        body, content_type = interactive_body(payload) if interactive else event_body(payload)
        sent = signed_headers(secret, body, timestamp=timestamp, content_type=content_type)
        sent.update(headers or {})
        async with self.session.post(self.url, data=body.encode(), headers=sent) as response:
            return response.status, await response.text()

    async def settle(self, within: float = 10.0) -> None:
        """Wait until every stored delivery is worked on and the Slack queue is empty."""
        from sqlalchemy import func, select

        from bot.store.schema import slack_events

        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            await self.desk.processor.idle()
            async with self.desk.store.connect() as conn:
                open_events = (
                    await conn.execute(
                        select(func.count())
                        .select_from(slack_events)
                        .where(slack_events.c.state == "received")
                    )
                ).scalar_one()
            if open_events == 0 and await self.desk.poster.pending() == 0:
                return
            if loop.time() > deadline:
                raise AssertionError(f"not settled: {open_events} deliveries, queue not empty")
            await asyncio.sleep(0.05)


@pytest.fixture
async def http_desk(make_desk: Callable[..., SlackDesk]) -> AsyncIterator[HttpDesk]:
    """``madoguchi web`` on a free loopback port, with the Slack worker running beside it."""
    import aiohttp

    from bot.slack.web import serve

    desk = make_desk(mode="http")
    stop = asyncio.Event()
    started: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        serve(desk.settings, stop, host="127.0.0.1", port=0, slack=desk, started=started)
    )
    port = await asyncio.wait_for(started, timeout=10)
    async with aiohttp.ClientSession() as session:
        yield HttpDesk(desk, f"http://127.0.0.1:{port}/slack/events", session)
    stop.set()
    await asyncio.wait_for(task, timeout=10)
