"""The Slack worker: cards, threads, order per ticket, outages, rate limits, no double posts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select

from bot.clock import ManualClock
from bot.slack import ids
from bot.store import Store
from bot.store.schema import messages, slack_outbox, slack_threads
from bot.store.slack_queue import queue_channel_message, queue_thread_message
from tests.slack.conftest import CHANNEL
from tests.slack.emulator import SlackEmulator
from tests.slack.seed import BUYER_TEXT, seed_ticket


async def _rows(store: Store) -> list[Any]:
    async with store.connect() as conn:
        return list((await conn.execute(select(slack_outbox).order_by(slack_outbox.c.id))).all())


async def _thread(store: Store, ticket_id: int) -> Any:
    async with store.connect() as conn:
        return (
            await conn.execute(select(slack_threads).where(slack_threads.c.ticket_id == ticket_id))
        ).first()


async def test_a_handoff_is_posted_as_a_card_and_its_thread_remembered(
    store: Store, clock: ManualClock, make_desk: Any, emulator: SlackEmulator
) -> None:
    seeded = await seed_ticket(store, clock.now())
    desk = make_desk()

    result = await desk.poster.flush()

    assert result.posted == 1 and result.blocked is None
    (post,) = emulator.calls_to("chat.postMessage", ok=True)
    assert post.args["channel"] == CHANNEL
    assert post.args["metadata"] == {
        "event_type": ids.METADATA_TYPE,
        "event_payload": {"row": seeded.queued_row, "part": "card"},
    }
    assert post.token == emulator.bot_token
    blocks = post.args["blocks"]
    assert (
        blocks[0]["type"] == "header"
        and "注文した商品がまだ届きません" in blocks[0]["text"]["text"]
    )
    assert "届きません" in blocks[2]["text"]["text"]  # the buyer's new text is on the card
    thread = await _thread(store, seeded.ticket_id)
    assert (thread.channel, thread.thread_ts) == (CHANNEL, post.response["ts"])
    assert [r.state for r in await _rows(store)] == ["done"]


async def test_a_follow_up_mail_goes_into_the_thread_and_the_card_is_refreshed(
    store: Store, clock: ManualClock, make_desk: Any, emulator: SlackEmulator
) -> None:
    seeded = await seed_ticket(store, clock.now())
    desk = make_desk()
    await desk.poster.flush()
    card_ts = (await _thread(store, seeded.ticket_id)).thread_ts
    clock.advance(timedelta(hours=1))
    async with store.begin() as conn:
        follow_up = (
            await conn.execute(
                insert(messages)
                .values(
                    ticket_id=seeded.ticket_id,
                    direction="in",
                    message_id="<CAB7x-buyer-002@mail.gmail.com>",
                    subject="Re: 注文した商品がまだ届きません",
                    text="まだ届いていません。返金してください。",
                    new_text="まだ届いていません。返金してください。",
                    author="buyer",
                    created_at=clock.now(),
                )
                .returning(messages.c.id)
            )
        ).scalar_one()
        await conn.execute(
            insert(slack_outbox).values(
                ticket_id=seeded.ticket_id,
                kind="ticket",
                payload={
                    "ticket_id": seeded.ticket_id,
                    "message_id": follow_up,
                    "decision": "handoff",
                },
                state="pending",
                not_before=clock.now(),
                created_at=clock.now(),
            )
        )

    await desk.poster.flush()

    in_thread = emulator.thread(CHANNEL, card_ts)
    assert len(in_thread) == 1
    assert "返金してください" in in_thread[0]["text"]
    (update,) = emulator.calls_to("chat.update", ok=True)
    assert update.args["ts"] == card_ts
    card = " ".join(str(b) for b in update.args["blocks"])
    assert "返金してください" in card and BUYER_TEXT[:10] not in card


async def test_later_rows_of_a_ticket_wait_for_earlier_ones_even_across_workers(
    store: Store, clock: ManualClock, make_desk: Any
) -> None:
    first = await seed_ticket(store, clock.now())
    async with store.begin() as conn:
        await queue_thread_message(conn, ticket_id=first.ticket_id, text="second", now=clock.now())
    other = await seed_ticket(store, clock.now(), buyer="other@example.jp", with_order=False)
    worker_a, worker_b = make_desk(), make_desk()
    worker_b.poster.worker = "other-worker"

    held_by_a = await store.claim(
        slack_outbox,
        worker_a.poster._eligible(clock.now()),
        worker="test-worker",
        now=clock.now(),
        lease=timedelta(minutes=2),
        limit=1,
    )
    free_for_b = await store.claim(
        slack_outbox,
        worker_b.poster._eligible(clock.now()),
        worker="other-worker",
        now=clock.now(),
        lease=timedelta(minutes=2),
        limit=10,
    )

    assert [r.id for r in held_by_a] == [first.queued_row]
    # B may take the other ticket, but not the first ticket's second row.
    assert [r.ticket_id for r in free_for_b] == [other.ticket_id]


async def test_an_outage_keeps_everything_queued_and_replays_it_in_order(
    store: Store, clock: ManualClock, make_desk: Any, emulator: SlackEmulator
) -> None:
    a = await seed_ticket(store, clock.now())
    async with store.begin() as conn:
        await queue_thread_message(conn, ticket_id=a.ticket_id, text="A: note 1", now=clock.now())
    b = await seed_ticket(store, clock.now(), buyer="b@example.jp", with_order=False)
    async with store.begin() as conn:
        await queue_thread_message(conn, ticket_id=a.ticket_id, text="A: note 2", now=clock.now())
        await queue_channel_message(conn, text="digest", now=clock.now())
    desk = make_desk()
    await emulator.stop()

    down = await desk.poster.flush()

    assert down.posted == 0 and down.blocked is not None and down.blocked.kind == "outage"
    rows = await _rows(store)
    assert [r.state for r in rows] == ["pending"] * 5
    assert all(r.claimed_by is None for r in rows)
    assert desk.poster.paused()
    assert (await desk.poster.flush()).posted == 0  # paused: not even trying

    await emulator.start()
    clock.advance(timedelta(seconds=5))
    summary = await desk.poster.flush_all()

    assert summary == {"posted": 5, "failed": 0, "waiting": 0, "blocked": None}
    posted = [c.args for c in emulator.calls_to("chat.postMessage", ok=True)]
    rows_in_order = [p["metadata"]["event_payload"]["row"] for p in posted]
    assert rows_in_order == sorted(rows_in_order)
    card_a = (await _thread(store, a.ticket_id)).thread_ts
    assert [m["text"] for m in emulator.thread(CHANNEL, card_a)] == ["A: note 1", "A: note 2"]
    assert (await _thread(store, b.ticket_id)) is not None


async def test_a_short_rate_limit_is_waited_out_as_retry_after_says(
    store: Store, clock: ManualClock, make_desk: Any, emulator: SlackEmulator
) -> None:
    await seed_ticket(store, clock.now())
    desk = make_desk()
    emulator.fail("chat.postMessage", 429, retry_after=1)

    result = await desk.poster.flush()

    assert result.posted == 1
    limited, accepted = emulator.calls_to("chat.postMessage")
    assert limited.status == 429 and accepted.status == 200
    assert accepted.at - limited.at >= 1.0  # not before Slack said we may
    assert len(emulator.posts(CHANNEL)) == 1


async def test_a_long_rate_limit_pauses_the_queue_until_retry_after(
    store: Store, clock: ManualClock, make_desk: Any, emulator: SlackEmulator
) -> None:
    await seed_ticket(store, clock.now())
    desk = make_desk()
    emulator.fail("chat.postMessage", 429, retry_after=30)

    first = await desk.poster.flush()

    assert first.blocked is not None and first.blocked.kind == "rate_limited"
    assert desk.poster.paused_until == clock.now() + timedelta(seconds=30)
    clock.advance(timedelta(seconds=29))
    assert (await desk.poster.flush()).posted == 0
    assert len(emulator.calls_to("chat.postMessage")) == 1
    clock.advance(timedelta(seconds=2))
    assert (await desk.poster.flush()).posted == 1
    assert [c.status for c in emulator.calls_to("chat.postMessage")] == [429, 200]


async def test_a_server_error_on_a_card_update_is_retried_by_the_client(
    store: Store, clock: ManualClock, make_desk: Any, emulator: SlackEmulator
) -> None:
    seeded = await seed_ticket(store, clock.now())
    desk = make_desk()
    await desk.poster.flush()
    async with store.begin() as conn:
        await conn.execute(
            insert(slack_outbox).values(
                ticket_id=seeded.ticket_id,
                kind="card_refresh",
                payload={"ticket_id": seeded.ticket_id},
                state="pending",
                not_before=clock.now(),
                created_at=clock.now(),
            )
        )
    emulator.fail("chat.update", 503)

    result = await desk.poster.flush()

    assert result.posted == 1
    assert [c.status for c in emulator.calls_to("chat.update")] == [503, 200]


async def test_a_post_slack_made_but_answered_with_500_is_not_posted_twice(
    store: Store, clock: ManualClock, make_desk: Any, emulator: SlackEmulator
) -> None:
    seeded = await seed_ticket(store, clock.now())
    desk = make_desk()
    emulator.fail("chat.postMessage", 500, after_effect=True)

    first = await desk.poster.flush()
    assert first.blocked is not None and first.blocked.kind == "outage"
    clock.advance(timedelta(seconds=2))
    second = await desk.poster.flush()

    assert second.posted == 1
    assert len(emulator.posts(CHANNEL)) == 1  # the card exists once
    assert len(emulator.calls_to("chat.postMessage")) == 1
    assert emulator.calls_to("conversations.history", ok=True)
    thread = await _thread(store, seeded.ticket_id)
    assert thread.thread_ts == emulator.posts(CHANNEL)[0]["ts"]


async def test_a_post_slack_refuses_fails_only_its_own_row(
    store: Store, clock: ManualClock, make_desk: Any, emulator: SlackEmulator
) -> None:
    async with store.begin() as conn:
        await queue_channel_message(conn, text="broken", now=clock.now())
        await queue_channel_message(conn, text="fine", now=clock.now())
    desk = make_desk()
    emulator.fail("chat.postMessage", 200, error="invalid_blocks")

    result = await desk.poster.flush()

    assert (result.posted, result.failed) == (1, 1)
    states = [(r.state, r.last_error) for r in await _rows(store)]
    assert states == [("failed", "invalid_blocks"), ("done", None)]
    assert [m["text"] for m in emulator.posts(CHANNEL)] == ["fine"]


async def test_a_card_slack_refuses_to_lay_out_still_reaches_the_agents_as_text(
    store: Store, clock: ManualClock, make_desk: Any, emulator: SlackEmulator
) -> None:
    seeded = await seed_ticket(store, clock.now())
    desk = make_desk()
    emulator.fail("chat.postMessage", 200, error="invalid_blocks")

    result = await desk.poster.flush()

    assert result.posted == 1
    (card,) = emulator.posts(CHANNEL)
    assert "blocks" not in card and "届きません" in card["text"]
    assert (await _thread(store, seeded.ticket_id)).thread_ts == card["ts"]
