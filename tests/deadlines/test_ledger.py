"""Opening and closing deadlines in the store: the stored reminder ladder."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from bot.clock import ManualClock
from bot.deadlines import close_deadlines, earliest_open_deadline
from bot.deadlines.ledger import close_deadlines_of
from bot.store import Store
from bot.store.schema import reminders
from tests.deadlines.helpers import deadline_row, open_ticket, reminder_states


async def test_opening_a_deadline_stores_its_reminder_ladder(
    store: Store, clock: ManualClock, make_settings
) -> None:
    settings = make_settings("unused")
    _, deadline_id = await open_ticket(store, settings, clock.now())
    due = clock.now() + timedelta(hours=6)
    async with store.connect() as conn:
        rows = (
            await conn.execute(
                select(reminders.c.minutes_before, reminders.c.fire_at, reminders.c.state)
                .where(reminders.c.deadline_id == deadline_id)
                .order_by(reminders.c.fire_at)
            )
        ).all()
    assert [(r.minutes_before, r.fire_at, r.state) for r in rows] == [
        (120, due - timedelta(minutes=120), "pending"),
        (30, due - timedelta(minutes=30), "pending"),
        (0, due, "pending"),
    ]
    assert (await deadline_row(store, deadline_id)).due_at == due


async def test_rungs_already_past_are_left_out_but_the_breach_is_always_kept(
    store: Store, clock: ManualClock, make_settings
) -> None:
    base = make_settings("unused")
    settings = replace(base, deadlines=replace(base.deadlines, reminders_minutes=(600, 30)))
    _, deadline_id = await open_ticket(store, settings, clock.now())
    # 600 minutes before a 6-hour deadline is already past; 0 (the breach) was not configured
    assert await reminder_states(store, deadline_id) == {30: "pending", 0: "pending"}


async def test_closing_cancels_pending_reminders_and_records_why(
    store: Store, clock: ManualClock, make_settings
) -> None:
    settings = make_settings("unused")
    ticket_id, first = await open_ticket(store, settings, clock.now())
    clock.advance(timedelta(minutes=20))
    async with store.begin() as conn:
        closed = await close_deadlines(
            conn, ticket_id=ticket_id, now=clock.now(), reason="no_reply_needed"
        )
        again = await close_deadlines(conn, ticket_id=ticket_id, now=clock.now(), reason="closed")
    assert (closed, again) == (1, 0)
    row = await deadline_row(store, first)
    assert (row.closed_at, row.close_reason) == (clock.now(), "no_reply_needed")
    assert set((await reminder_states(store, first)).values()) == {"cancelled"}


async def test_the_earliest_open_deadline_is_the_one_the_card_shows(
    store: Store, clock: ManualClock, make_settings
) -> None:
    settings = make_settings("unused")
    ticket_id, first = await open_ticket(store, settings, clock.now())
    async with store.connect() as conn:
        shown = await earliest_open_deadline(conn, ticket_id)
        nothing = await earliest_open_deadline(conn, ticket_id + 1000)
    assert shown is not None and shown.id == first
    assert nothing is None


async def test_closing_several_tickets_gives_each_its_own_reason_and_leaves_others_open(
    store: Store, clock: ManualClock, make_settings
) -> None:
    settings = make_settings("unused")
    bot_ticket, bot_first = await open_ticket(store, settings, clock.now())
    agent_ticket, agent_first = await open_ticket(store, settings, clock.now())
    other_ticket, other_first = await open_ticket(store, settings, clock.now())
    clock.advance(timedelta(minutes=5))
    async with store.begin() as conn:
        closed = await close_deadlines_of(
            conn, {bot_ticket: "replied_bot", agent_ticket: "replied_agent"}, now=clock.now()
        )
    assert closed == 2
    for deadline_id, reason in ((bot_first, "replied_bot"), (agent_first, "replied_agent")):
        row = await deadline_row(store, deadline_id)
        assert (row.closed_at, row.close_reason) == (clock.now(), reason)
        assert set((await reminder_states(store, deadline_id)).values()) == {"cancelled"}
    untouched = await deadline_row(store, other_first)
    assert (untouched.closed_at, untouched.close_reason) == (None, None)
    assert set((await reminder_states(store, other_first)).values()) == {"pending"}
    assert other_ticket not in (bot_ticket, agent_ticket)
