"""Socket Mode: the app opens its websocket through the configured API URL and acks envelopes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select

from bot.clock import ManualClock
from bot.slack import ids
from bot.slack.app import SlackDesk
from bot.slack.threads import thread_of
from bot.store import Store
from bot.store.schema import outbox, slack_events, tickets
from tests.slack.conftest import AGENT, CHANNEL
from tests.slack.emulator import SlackEmulator
from tests.slack.payloads import block_action, message_event
from tests.slack.seed import seed_ticket


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 10.0) -> None:
    """Wait until ``check()`` is true (work runs in the background after the ack)."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def _rows(store: Store, table: Any) -> list[Any]:
    async with store.connect() as conn:
        return list((await conn.execute(select(table))).all())


async def test_socket_mode_delivers_events_and_actions_and_each_envelope_is_acked(
    store: Store, clock: ManualClock, make_desk: Callable[..., SlackDesk], emulator: SlackEmulator
) -> None:
    desk = make_desk(mode="socket")
    seeded = await seed_ticket(store, clock.now())
    await desk.poster.flush()
    async with store.connect() as conn:
        _channel, card_ts = await thread_of(conn, seeded.ticket_id)  # type: ignore[misc]
    stop = asyncio.Event()
    socket = asyncio.create_task(desk.run_socket_mode(stop))
    try:
        await emulator.wait_connected()
        (opened,) = emulator.calls_to("apps.connections.open", ok=True)
        assert opened.token == emulator.app_token  # the app-level token, at the configured URL

        event = message_event(channel=CHANNEL, thread_ts=card_ts, user=AGENT, text="確認します。")
        first = await emulator.send_envelope("events_api", event)
        assert (await emulator.wait_ack(first))["envelope_id"] == first
        await eventually(lambda: _has_rows(store, outbox, 1))

        # Slack redelivers the same event (new envelope, retry_attempt=1): acked, no effect.
        again = await emulator.send_envelope("events_api", event, retry_attempt=1)
        await emulator.wait_ack(again)
        click = block_action(
            action_id=ids.TAKE,
            value=str(seeded.ticket_id),
            user=AGENT,
            channel=CHANNEL,
            message_ts=card_ts,
        )
        take = await emulator.send_envelope("interactive", click)
        await emulator.wait_ack(take)
        await eventually(lambda: _assignee_is(store, seeded.ticket_id, AGENT))
        await desk.processor.idle()
    finally:
        stop.set()
        await asyncio.wait_for(socket, timeout=10)

    assert len(await _rows(store, outbox)) == 1
    assert {r.state for r in await _rows(store, slack_events)} == {"done"}
    assert len(await _rows(store, slack_events)) == 2
    assert emulator.unexpected_acks == []


async def _has_rows(store: Store, table: Any, count: int) -> bool:
    return len(await _rows(store, table)) >= count


async def _assignee_is(store: Store, ticket_id: int, user: str) -> bool:
    async with store.connect() as conn:
        found = (
            await conn.execute(select(tickets.c.assignee).where(tickets.c.id == ticket_id))
        ).scalar()
    return bool(found == user)


async def test_slack_away_at_start_up_delays_the_socket_but_not_the_shutdown(
    store: Store, clock: ManualClock, make_desk: Callable[..., SlackDesk], emulator: SlackEmulator
) -> None:
    desk = make_desk(mode="socket")
    desk.socket_ping_interval = 0.2
    await emulator.stop()
    stop = asyncio.Event()
    socket = asyncio.create_task(desk.run_socket_mode(stop))
    await asyncio.sleep(0.5)
    await emulator.start()

    await emulator.wait_connected()
    stop.set()
    await asyncio.wait_for(socket, timeout=5)

    assert emulator.connections_opened >= 1
    assert socket.exception() is None


async def test_shutdown_while_slack_is_still_away_does_not_hang(
    store: Store, clock: ManualClock, make_desk: Callable[..., SlackDesk], emulator: SlackEmulator
) -> None:
    desk = make_desk(mode="socket")
    desk.socket_ping_interval = 0.2
    await emulator.stop()
    stop = asyncio.Event()
    socket = asyncio.create_task(desk.run_socket_mode(stop))
    await asyncio.sleep(0.3)

    stop.set()
    await asyncio.wait_for(socket, timeout=5)

    assert socket.done() and socket.exception() is None
