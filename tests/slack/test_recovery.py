"""Nothing an agent sent is lost: deliveries are stored first and finished after a restart."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from bot.clock import ManualClock
from bot.slack.intake import delivery_of, store_delivery
from bot.slack.threads import thread_of
from bot.store import Store
from bot.store.schema import outbox, slack_events
from tests.slack.conftest import AGENT, CHANNEL
from tests.slack.payloads import message_event
from tests.slack.seed import seed_ticket


async def _stored_reply(
    store: Store, clock: ManualClock, make_desk: Any
) -> tuple[str, dict[str, Any]]:
    seeded = await seed_ticket(store, clock.now())
    await make_desk().poster.flush()
    async with store.connect() as conn:
        _channel, card_ts = await thread_of(conn, seeded.ticket_id)  # type: ignore[misc]
    event = message_event(channel=CHANNEL, thread_ts=card_ts, user=AGENT, text="確認いたします。")
    delivery = delivery_of(event)
    assert delivery is not None
    async with store.begin() as conn:
        assert await store_delivery(conn, delivery, event, now=clock.now())
    return delivery.key, event


async def _outbox_count(store: Store) -> int:
    async with store.connect() as conn:
        return len((await conn.execute(select(outbox.c.id))).all())


async def test_a_delivery_acked_but_never_worked_on_is_finished_after_a_restart(
    store: Store, clock: ManualClock, make_desk: Any
) -> None:
    key, event = await _stored_reply(store, clock, make_desk)
    after_restart = make_desk()

    assert await after_restart.processor.recover() == 0  # too fresh: its listener may be on it
    clock.advance(timedelta(seconds=6))
    assert await after_restart.processor.recover() == 1

    assert await _outbox_count(store) == 1
    async with store.begin() as conn:
        again = delivery_of(event)
        assert again is not None and again.key == key
        assert not await store_delivery(conn, again, event, now=clock.now())  # Slack retries
    assert await after_restart.processor.recover() == 0
    assert await _outbox_count(store) == 1


async def test_a_delivery_held_by_a_dead_worker_is_taken_over_when_its_lease_runs_out(
    store: Store, clock: ManualClock, make_desk: Any
) -> None:
    key, _event = await _stored_reply(store, clock, make_desk)
    async with store.begin() as conn:
        await conn.execute(
            update(slack_events)
            .where(slack_events.c.event_key == key)
            .values(
                claimed_by="dead-worker",
                claimed_until=clock.now() + timedelta(minutes=2),
                attempts=1,
            )
        )
    survivor = make_desk()
    clock.advance(timedelta(seconds=30))

    assert await survivor.processor.recover() == 0
    clock.advance(timedelta(minutes=2))
    assert await survivor.processor.recover() == 1
    assert await _outbox_count(store) == 1
    async with store.connect() as conn:
        row = (
            await conn.execute(select(slack_events).where(slack_events.c.event_key == key))
        ).one()
    assert (row.state, row.attempts) == ("done", 2)


async def test_run_once_finishes_stored_deliveries_whatever_their_age(
    store: Store, clock: ManualClock, make_desk: Any
) -> None:
    await _stored_reply(store, clock, make_desk)

    summary = await make_desk().once()

    assert summary["events"] == 1 and summary["waiting"] == 0
    assert await _outbox_count(store) == 1


async def test_while_slack_cannot_say_who_is_an_agent_the_reply_waits_in_the_store(
    store: Store, clock: ManualClock, make_desk: Any, emulator: Any
) -> None:
    key, _event = await _stored_reply(store, clock, make_desk)
    desk = make_desk()
    await emulator.stop()

    assert await desk.processor.handle_now(key)

    assert await _outbox_count(store) == 0
    async with store.connect() as conn:
        row = (
            await conn.execute(select(slack_events).where(slack_events.c.event_key == key))
        ).one()
    assert row.state == "received" and "unavailable" in (row.last_error or "")
    await emulator.start()
    clock.advance(timedelta(seconds=31))
    assert await desk.processor.recover() == 1
    assert await _outbox_count(store) == 1
