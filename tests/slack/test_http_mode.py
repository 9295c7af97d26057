"""HTTP mode (``madoguchi web``): signed requests, thread replies, notes, refusals, duplicates."""

from __future__ import annotations

import time
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from typing import Any

from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.slack import ids
from bot.slack.intake import delivery_of, store_delivery
from bot.slack.threads import thread_of
from bot.store import Store
from bot.store.schema import events, outbox, slack_events, tickets
from tests.slack.conftest import AGENT, AGENT_GROUP, CHANNEL, OUTSIDER, HttpDesk
from tests.slack.emulator import SlackEmulator
from tests.slack.payloads import block_action, message_event
from tests.slack.seed import BUYER_MESSAGE_ID, Seeded, seed_ticket


async def _ticket_on_slack(hd: HttpDesk, store: Store, clock: ManualClock) -> tuple[Seeded, str]:
    seeded = await seed_ticket(store, clock.now(), earlier_tickets=1)
    await hd.settle()
    async with store.connect() as conn:
        thread = await thread_of(conn, seeded.ticket_id)
    assert thread is not None and thread[0] == CHANNEL
    return seeded, thread[1]


async def _outbox(store: Store) -> list[Any]:
    async with store.connect() as conn:
        return list((await conn.execute(select(outbox).order_by(outbox.c.id))).all())


async def _count(store: Store, table: Any) -> int:
    async with store.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_a_request_with_a_bad_signature_is_refused_and_leaves_no_trace(
    http_desk: HttpDesk, store: Store, clock: ManualClock
) -> None:
    _seeded, card_ts = await _ticket_on_slack(http_desk, store, clock)
    event = message_event(channel=CHANNEL, thread_ts=card_ts, user=AGENT, text="お待たせしました。")

    wrong_secret = await http_desk.send(event, secret="not-the-signing-secret")
    stale = await http_desk.send(event, timestamp=int(time.time()) - 600)
    blank = await http_desk.send(
        event, headers={"X-Slack-Signature": "", "X-Slack-Request-Timestamp": ""}
    )
    garbled = await http_desk.send(event, headers={"X-Slack-Request-Timestamp": "yesterday"})

    assert [wrong_secret[0], stale[0], blank[0], garbled[0]] == [401, 401, 401, 401]
    assert await _count(store, slack_events) == 0
    assert await _outbox(store) == []


async def test_an_agents_thread_reply_is_queued_as_a_threaded_mail_with_an_undo_window(
    http_desk: HttpDesk, store: Store, clock: ManualClock, emulator: SlackEmulator
) -> None:
    seeded, card_ts = await _ticket_on_slack(http_desk, store, clock)
    event = message_event(
        channel=CHANNEL,
        thread_ts=card_ts,
        user=AGENT,
        text="お待たせしております。本日中に配送状況を確認し、改めてご連絡いたします。",
    )

    status, _ = await http_desk.send(event)
    await http_desk.settle()

    assert status == 200
    (entry,) = await _outbox(store)
    assert entry.author == f"agent:{AGENT}" and entry.state == "pending"
    assert entry.not_before == clock.now() + timedelta(seconds=10)
    assert entry.rcpt_to == ["k2x7q9w3e5r1t8y@marketplace.amazon.co.jp"]
    mail = message_from_bytes(entry.raw, policy=default_policy)
    assert mail["In-Reply-To"] == BUYER_MESSAGE_ID
    assert mail["References"].split() == ["<earlier-ref@mail.gmail.com>", BUYER_MESSAGE_ID]
    assert mail["Subject"] == "Re: 注文した商品がまだ届きません"
    assert mail["Auto-Submitted"] is None  # a person wrote it
    body = mail.get_content()
    assert body.startswith("お待たせしております。") and body.rstrip().endswith(
        "ミライ雑貨店 カスタマーサポート"
    )
    (queued,) = emulator.thread(CHANNEL, card_ts)
    assert f"<@{AGENT}>" in queued["text"]
    cancel = queued["blocks"][1]["elements"][0]
    assert (cancel["action_id"], cancel["value"]) == (ids.CANCEL_SEND, str(entry.id))
    async with store.connect() as conn:
        assignee = (
            await conn.execute(select(tickets.c.assignee).where(tickets.c.id == seeded.ticket_id))
        ).scalar()
    assert assignee == AGENT


async def test_the_same_event_delivered_twice_has_one_effect(
    http_desk: HttpDesk, store: Store, clock: ManualClock, emulator: SlackEmulator
) -> None:
    _seeded, card_ts = await _ticket_on_slack(http_desk, store, clock)
    event = message_event(channel=CHANNEL, thread_ts=card_ts, user=AGENT, text="確認いたします。")

    first = await http_desk.send(event)
    again = await http_desk.send(
        event, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    await http_desk.settle()

    assert first[0] == again[0] == 200
    assert len(await _outbox(store)) == 1
    assert await _count(store, slack_events) == 1
    assert len(emulator.thread(CHANNEL, card_ts)) == 1


async def test_a_note_stays_inside_the_team(
    http_desk: HttpDesk, store: Store, clock: ManualClock, emulator: SlackEmulator
) -> None:
    seeded, card_ts = await _ticket_on_slack(http_desk, store, clock)

    for text in ("note: 倉庫に確認中です", "メモ：明日ヤマトに問い合わせる"):
        await http_desk.send(
            message_event(channel=CHANNEL, thread_ts=card_ts, user=AGENT, text=text)
        )
    await http_desk.settle()

    assert await _outbox(store) == []
    assert emulator.thread(CHANNEL, card_ts) == []
    async with store.connect() as conn:
        notes = (
            await conn.execute(
                select(func.count())
                .select_from(events)
                .where(events.c.kind == "slack.note", events.c.ticket_id == seeded.ticket_id)
            )
        ).scalar_one()
    assert notes == 2


async def test_someone_outside_the_agent_group_is_refused_in_private(
    make_desk: Any, store: Store, clock: ManualClock, emulator: SlackEmulator
) -> None:
    desk = make_desk(mode="http", agent_group=AGENT_GROUP)
    seeded = await seed_ticket(store, clock.now())
    await desk.poster.flush()
    async with store.connect() as conn:
        _channel, card_ts = await thread_of(conn, seeded.ticket_id)  # type: ignore[misc]
    event = message_event(channel=CHANNEL, thread_ts=card_ts, user=OUTSIDER, text="送ります")
    delivery = delivery_of(event)
    assert delivery is not None
    async with store.begin() as conn:
        await store_delivery(conn, delivery, event, now=clock.now())

    await desk.processor.handle_now(delivery.key)
    await desk.poster.flush()

    assert await _outbox(store) == []
    (note,) = emulator.ephemerals
    assert note["user"] == OUTSIDER and note["thread_ts"] == card_ts
    assert "support team" in note["text"]
    assert emulator.calls_to("usergroups.users.list", ok=True)


async def test_a_reply_breaking_marketplace_rules_waits_for_send_anyway(
    http_desk: HttpDesk, store: Store, clock: ManualClock, emulator: SlackEmulator
) -> None:
    _seeded, card_ts = await _ticket_on_slack(http_desk, store, clock)
    text = "詳しくは <https://mirai-zakka.example.com/faq|当店のFAQ> をご覧ください。"

    await http_desk.send(message_event(channel=CHANNEL, thread_ts=card_ts, user=AGENT, text=text))
    await http_desk.settle()

    assert await _outbox(store) == []
    (warning,) = emulator.thread(CHANNEL, card_ts)
    assert "not sent" in warning["text"] and "mirai-zakka.example.com" in warning["text"]
    buttons = {b["action_id"]: b["value"] for b in warning["blocks"][1]["elements"]}
    assert set(buttons) == {ids.SEND_ANYWAY, ids.POLICY_EDIT}

    click = block_action(
        action_id=ids.SEND_ANYWAY,
        value=buttons[ids.SEND_ANYWAY],
        user=AGENT,
        channel=CHANNEL,
        message_ts=warning["ts"],
        thread_ts=card_ts,
        message_text=warning["text"],
        blocks=warning["blocks"],
    )
    status, _ = await http_desk.send(click, interactive=True)
    await http_desk.settle()

    assert status == 200
    (entry,) = await _outbox(store)
    assert "当店のFAQ (https://mirai-zakka.example.com/faq)" in entry.body
    rewritten = next(m for m in emulator.posts(CHANNEL) if m["ts"] == warning["ts"])
    assert all(b["type"] != "actions" for b in rewritten["blocks"])  # no second click
    assert f"<@{AGENT}> chose to send it anyway" in rewritten["text"]


async def test_slacks_url_verification_handshake_is_answered(http_desk: HttpDesk) -> None:
    status, body = await http_desk.send(
        {
            "token": "legacy",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )

    assert status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in body
