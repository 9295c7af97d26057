"""The reminder ladder: each rung once, in the agents' language, escalation at the breach."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import DeadlineSettings
from bot.deadlines import close_deadlines
from bot.deadlines.reminders import ReminderWorker
from bot.service import Desk
from bot.store import Store, open_store
from bot.store.schema import events, reminders
from tests.deadlines.helpers import (
    deadline_row,
    open_ticket,
    reminder_states,
    slack_rows,
    with_slack,
)


async def test_each_rung_fires_once_then_the_breach_escalates_and_turns_the_card_overdue(
    store: Store, clock: ManualClock, make_settings
) -> None:
    settings = with_slack(make_settings("unused"))
    worker = ReminderWorker(store, clock, settings)
    ticket_id, deadline_id = await open_ticket(store, settings, clock.now())
    due = clock.now() + timedelta(hours=6)  # csba; 10:00 JST → 16:00 JST

    assert await worker.fire_due() == 0
    clock.set(due - timedelta(minutes=120))
    assert await worker.fire_due() == 1
    assert await worker.fire_due() == 0  # the same moment again: nothing more
    clock.set(due - timedelta(minutes=30))
    assert await worker.fire_due() == 1
    clock.set(due)
    assert await worker.fire_due() == 1
    clock.advance(timedelta(hours=3))
    assert await worker.fire_due() == 0

    rows = await slack_rows(store)
    assert [(r.kind, r.ticket_id) for r in rows] == [
        ("thread_message", ticket_id),
        ("thread_message", ticket_id),
        ("thread_message", ticket_id),
        ("card_refresh", ticket_id),
    ]
    texts = [r.payload["text"] for r in rows[:3]]
    assert texts[0] == "⏰ 返信期限まであと2時間（11月26日（木）16:00）"
    assert texts[1] == "⏰ 返信期限まであと30分（11月26日（木）16:00）"
    assert texts[2].startswith("<!subteam^S123> 🚨 返信期限（11月26日（木）16:00）を過ぎました")
    assert rows[3].payload == {"ticket_id": ticket_id}
    assert all(r.payload["ticket_id"] == ticket_id for r in rows)
    assert (await deadline_row(store, deadline_id)).breached_at == due
    assert await reminder_states(store, deadline_id) == {120: "sent", 30: "sent", 0: "sent"}


async def test_a_restarted_desk_neither_repeats_nor_loses_a_reminder(
    db_url: str, clock: ManualClock, make_settings
) -> None:
    settings = with_slack(make_settings(db_url))
    first = Desk(settings, clock=clock, store=open_store(db_url))
    await first.start()
    await open_ticket(first.store, settings, clock.now())
    clock.advance(timedelta(hours=4))  # the two-hour warning is due
    assert (await first.run_once()).extra["reminders"] == 1
    await first.close()

    second = Desk(settings, clock=clock, store=open_store(db_url))
    try:
        assert (await second.run_once()).extra["reminders"] == 0
        clock.advance(timedelta(minutes=90))  # 30 minutes left
        assert (await second.run_once()).extra["reminders"] == 1
        assert (await second.run_once()).extra["reminders"] == 0
        rows = await slack_rows(second.store)
    finally:
        await second.close()
    texts = [r.payload["text"] for r in rows if r.kind == "thread_message"]
    assert texts == [
        "⏰ 返信期限まであと2時間（11月26日（木）16:00）",
        "⏰ 返信期限まであと30分（11月26日（木）16:00）",
    ]


async def test_two_workers_racing_send_every_reminder_exactly_once(
    db_url: str, clock: ManualClock, make_settings
) -> None:
    settings = with_slack(make_settings(db_url))
    stores = [open_store(db_url), open_store(db_url)]
    try:
        tickets = [(await open_ticket(stores[0], settings, clock.now()))[0] for _ in range(12)]
        workers = [
            ReminderWorker(s, clock, settings, worker=name)
            for s, name in zip(stores, ("worker-a", "worker-b"), strict=True)
        ]
        for moment in (timedelta(hours=4), timedelta(hours=5, minutes=30), timedelta(hours=6)):
            clock.set(clock.now().replace(hour=1) + moment)  # 10:00 JST is 01:00 UTC
            sent = await asyncio.gather(*(w.fire_due(limit=3) for w in workers))
            assert sum(sent) == len(tickets)
        rows = await slack_rows(stores[0])
    finally:
        for s in stores:
            await s.close()
    per_ticket = {t: [r.kind for r in rows if r.ticket_id == t] for t in tickets}
    assert all(
        kinds == ["thread_message", "thread_message", "thread_message", "card_refresh"]
        for kinds in per_ticket.values()
    ), per_ticket


async def test_a_worker_whose_lease_was_taken_over_does_not_send_again(
    store: Store, clock: ManualClock, make_settings
) -> None:
    settings = with_slack(make_settings("unused"))
    await open_ticket(store, settings, clock.now())
    clock.advance(timedelta(hours=4))
    crashed = ReminderWorker(store, clock, settings, worker="crashed")
    survivor = ReminderWorker(store, clock, settings, worker="survivor")
    # "crashed" claims the due reminder and dies before firing it
    held = await crashed.store.claim(
        reminders,
        reminders.c.state == "pending",
        worker="crashed",
        now=clock.now(),
        lease=timedelta(minutes=2),
        limit=1,
    )
    assert len(held) == 1
    assert await survivor.fire_due() == 0  # leased: left alone
    clock.advance(timedelta(minutes=3))  # the lease ran out
    assert await survivor.fire_due() == 1
    late = await crashed._fire(held[0], clock.now())  # the crashed worker wakes up
    assert late.outcome == "lost"
    assert len(await slack_rows(store)) == 1


async def test_after_downtime_only_the_closest_rung_is_sent(
    store: Store, clock: ManualClock, make_settings
) -> None:
    settings = with_slack(make_settings("unused"))
    _, deadline_id = await open_ticket(store, settings, clock.now())
    clock.advance(timedelta(hours=5, minutes=50))  # down through both warnings
    assert await ReminderWorker(store, clock, settings).fire_due() == 1
    assert [r.payload["text"] for r in await slack_rows(store)] == [
        "⏰ 返信期限まであと10分（11月26日（木）16:00）"
    ]
    assert await reminder_states(store, deadline_id) == {
        120: "skipped",
        30: "sent",
        0: "pending",
    }


async def test_a_late_breach_says_by_how_much(
    store: Store, clock: ManualClock, make_settings
) -> None:
    settings = with_slack(make_settings("unused"), escalation_mention="<@U0LEAD>")
    await open_ticket(store, settings, clock.now())
    clock.advance(timedelta(hours=7, minutes=20))
    assert await ReminderWorker(store, clock, settings).fire_due() == 1
    text = (await slack_rows(store))[0].payload["text"]
    assert text.startswith(
        "<@U0LEAD> 🚨 返信期限（11月26日（木）16:00）を過ぎました（1時間20分超過）。"
    )


async def test_without_an_escalation_mention_the_breach_mentions_nobody(
    store: Store, clock: ManualClock, make_settings
) -> None:
    settings = with_slack(make_settings("unused"), escalation_mention=None)
    await open_ticket(store, settings, clock.now())
    clock.advance(timedelta(hours=6))
    await ReminderWorker(store, clock, settings).fire_due()
    assert (await slack_rows(store))[0].payload["text"].startswith("🚨 返信期限")


async def test_reminders_are_written_in_the_agents_language(
    store: Store, clock: ManualClock, make_settings
) -> None:
    texts = {}
    for lang in ("en", "zh"):
        settings = with_slack(make_settings("unused"), agent_language=lang)
        ticket_id, _ = await open_ticket(store, settings, clock.now())
        clock.advance(timedelta(hours=5, minutes=30))
        await ReminderWorker(store, clock, settings).fire_due()
        clock.advance(timedelta(minutes=30))
        await ReminderWorker(store, clock, settings).fire_due()
        texts[lang] = [
            r.payload["text"]
            for r in await slack_rows(store)
            if r.ticket_id == ticket_id and r.kind == "thread_message"
        ]
        clock.set(clock.now() - timedelta(hours=6))
    assert texts["en"][0] == "⏰ 30 min left to reply (due Thu 26 Nov, 16:00 JST)"
    assert texts["en"][1].startswith("<!subteam^S123> 🚨 Reply deadline missed (was due Thu 26 Nov")
    assert texts["zh"][0] == "⏰ 距回复截止还有30分钟（日本时间 11月26日（周四）16:00）"
    assert texts["zh"][1].startswith(
        "<!subteam^S123> 🚨 已超过回复时限（日本时间 11月26日（周四）16:00）"
    )


async def test_a_closed_deadline_sends_nothing_more(
    store: Store, clock: ManualClock, make_settings
) -> None:
    settings = with_slack(make_settings("unused"))
    ticket_id, deadline_id = await open_ticket(store, settings, clock.now())
    clock.advance(timedelta(hours=1))
    async with store.begin() as conn:
        await close_deadlines(conn, ticket_id=ticket_id, now=clock.now(), reason="replied_agent")
    clock.advance(timedelta(hours=8))
    assert await ReminderWorker(store, clock, settings).fire_due() == 0
    assert await slack_rows(store) == []
    assert (await deadline_row(store, deadline_id)).breached_at is None


async def test_without_slack_reminders_still_move_on_and_the_breach_is_recorded(
    store: Store, clock: ManualClock, make_settings
) -> None:
    settings = make_settings("unused")
    assert not settings.slack.enabled
    ticket_id, deadline_id = await open_ticket(store, settings, clock.now())
    clock.advance(timedelta(hours=6, minutes=1))
    assert await ReminderWorker(store, clock, settings).fire_due() == 1
    assert await slack_rows(store) == []
    assert await reminder_states(store, deadline_id) == {120: "skipped", 30: "skipped", 0: "sent"}
    assert (await deadline_row(store, deadline_id)).breached_at == clock.now()
    async with store.connect() as conn:
        kinds = (
            (await conn.execute(select(events.c.kind).where(events.c.ticket_id == ticket_id)))
            .scalars()
            .all()
        )
    assert kinds == ["deadline.breached"]


async def test_a_custom_ladder_is_honoured(store: Store, clock: ManualClock, make_settings) -> None:
    base = with_slack(make_settings("unused"))
    settings = base.with_overrides(deadlines=DeadlineSettings(reminders_minutes=(60,)))
    _, deadline_id = await open_ticket(store, settings, clock.now())
    worker = ReminderWorker(store, clock, settings)
    fired = []
    for minutes in range(0, 7 * 60, 10):
        clock.set(clock.now().replace(hour=1, minute=0) + timedelta(minutes=minutes))
        fired.append((minutes, await worker.fire_due()))
    assert [m for m, n in fired if n] == [300, 360]  # one hour before, and at the breach
    assert await reminder_states(store, deadline_id) == {60: "sent", 0: "sent"}


async def test_a_reminder_that_fails_is_kept_and_sent_once_it_can_be(
    store: Store, clock: ManualClock, make_settings, tmp_path
) -> None:
    from bot.templates import Renderer

    settings = with_slack(make_settings("unused"))
    _, deadline_id = await open_ticket(store, settings, clock.now())
    clock.advance(timedelta(hours=4))
    broken = ReminderWorker(store, clock, settings, renderer=Renderer(tmp_path / "nothing"))
    assert await broken.fire_due() == 0
    assert await reminder_states(store, deadline_id) == {
        120: "pending",
        30: "pending",
        0: "pending",
    }
    assert await slack_rows(store) == []
    clock.advance(timedelta(minutes=3))  # past the broken worker's lease
    assert await ReminderWorker(store, clock, settings).fire_due() == 1
    assert len(await slack_rows(store)) == 1
