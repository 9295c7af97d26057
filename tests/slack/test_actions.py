"""The card's buttons and the modals, clicked over HTTP with real signatures."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.clock import ManualClock
from bot.slack import ids
from bot.slack.threads import thread_of
from bot.store import Store
from bot.store.schema import deadlines, events, outbox, tickets
from tests.slack.conftest import AGENT, AGENT2, CHANNEL, HttpDesk
from tests.slack.emulator import SlackEmulator
from tests.slack.payloads import block_action, message_event, view_submission
from tests.slack.seed import DRAFT, FULL_TEXT, Seeded, seed_ticket


async def _on_slack(hd: HttpDesk, store: Store, clock: ManualClock) -> tuple[Seeded, str]:
    seeded = await seed_ticket(store, clock.now())
    await hd.settle()
    async with store.connect() as conn:
        thread = await thread_of(conn, seeded.ticket_id)
    assert thread is not None
    return seeded, thread[1]


async def _click(
    hd: HttpDesk, action_id: str, value: str, message_ts: str, *, user: str = AGENT, **extra: Any
) -> None:
    status, _ = await hd.send(
        block_action(
            action_id=action_id,
            value=value,
            user=user,
            channel=CHANNEL,
            message_ts=message_ts,
            **extra,
        ),
        interactive=True,
    )
    assert status == 200
    await hd.settle()


async def _ticket(store: Store, ticket_id: int) -> Any:
    async with store.connect() as conn:
        return (await conn.execute(select(tickets).where(tickets.c.id == ticket_id))).first()


async def _deadlines(store: Store, ticket_id: int) -> list[Any]:
    async with store.connect() as conn:
        return list(
            (await conn.execute(select(deadlines).where(deadlines.c.ticket_id == ticket_id))).all()
        )


async def _outbox(store: Store) -> list[Any]:
    async with store.connect() as conn:
        return list((await conn.execute(select(outbox).order_by(outbox.c.id))).all())


def _card(emulator: SlackEmulator, card_ts: str) -> dict[str, Any]:
    return next(m for m in emulator.posts(CHANNEL) if m["ts"] == card_ts)


def _buttons(card: dict[str, Any]) -> list[str]:
    actions = next(b for b in card["blocks"] if b["type"] == "actions")
    return [e["action_id"] for e in actions["elements"]]


async def test_take_assigns_the_ticket_and_shows_it_on_the_card(
    http_desk: HttpDesk, store: Store, clock: ManualClock, emulator: SlackEmulator
) -> None:
    seeded, card_ts = await _on_slack(http_desk, store, clock)

    await _click(http_desk, ids.TAKE, str(seeded.ticket_id), card_ts, user=AGENT2)

    assert (await _ticket(store, seeded.ticket_id)).assignee == AGENT2
    card = _card(emulator, card_ts)
    assert card.get("edited") and f"<@{AGENT2}>" in json.dumps(card["blocks"])
    (notice,) = emulator.thread(CHANNEL, card_ts)
    assert f"<@{AGENT2}> took this ticket" in notice["text"]


async def test_no_reply_needed_closes_the_deadline_and_the_ticket(
    http_desk: HttpDesk, store: Store, clock: ManualClock, emulator: SlackEmulator
) -> None:
    seeded, card_ts = await _on_slack(http_desk, store, clock)

    await _click(http_desk, ids.NO_REPLY, str(seeded.ticket_id), card_ts)

    (deadline,) = await _deadlines(store, seeded.ticket_id)
    assert deadline.close_reason == "no_reply_needed" and deadline.closed_at == clock.now()
    ticket = await _ticket(store, seeded.ticket_id)
    assert ticket.status == "closed" and ticket.closed_at == clock.now()
    card = _card(emulator, card_ts)
    assert _buttons(card) == [ids.REOPEN]
    assert "Closed" in card["text"]


async def test_close_then_reopen(
    http_desk: HttpDesk, store: Store, clock: ManualClock, emulator: SlackEmulator
) -> None:
    seeded, card_ts = await _on_slack(http_desk, store, clock)

    await _click(http_desk, ids.CLOSE, str(seeded.ticket_id), card_ts)
    closed = await _ticket(store, seeded.ticket_id)
    (deadline,) = await _deadlines(store, seeded.ticket_id)
    await _click(http_desk, ids.REOPEN, str(seeded.ticket_id), card_ts)
    reopened = await _ticket(store, seeded.ticket_id)

    assert closed.status == "closed" and deadline.close_reason == "closed"
    assert reopened.status == "waiting" and reopened.closed_at is None
    assert ids.SEND_DRAFT in _buttons(_card(emulator, card_ts))
    notices = [m["text"] for m in emulator.thread(CHANNEL, card_ts)]
    assert [("closed" in notices[0]), ("reopened" in notices[1])] == [True, True]
    async with store.connect() as conn:
        kinds = (
            await conn.execute(
                select(events.c.kind, events.c.actor).where(events.c.ticket_id == seeded.ticket_id)
            )
        ).all()
    assert ("ticket.closed", f"agent:{AGENT}") in kinds
    assert ("ticket.reopened", f"agent:{AGENT}") in kinds


async def test_send_draft_queues_the_suggested_reply_as_it_is(
    http_desk: HttpDesk, store: Store, clock: ManualClock, emulator: SlackEmulator
) -> None:
    seeded, card_ts = await _on_slack(http_desk, store, clock)

    await _click(http_desk, ids.SEND_DRAFT, str(seeded.ticket_id), card_ts)
    await _click(http_desk, ids.SEND_DRAFT, str(seeded.ticket_id), card_ts)  # a double click

    (entry,) = await _outbox(store)
    assert entry.body.strip() == DRAFT.strip()  # already signed: no second signature
    assert entry.author == f"agent:{AGENT}"
    (already,) = emulator.ephemerals
    assert "already queued" in already["text"]


async def test_edit_and_send_opens_the_draft_and_sends_the_edited_text(
    http_desk: HttpDesk, store: Store, clock: ManualClock, emulator: SlackEmulator
) -> None:
    seeded, card_ts = await _on_slack(http_desk, store, clock)

    await _click(http_desk, ids.EDIT_SEND, str(seeded.ticket_id), card_ts)

    (opened,) = emulator.views
    view = opened["view"]
    field = view["blocks"][0]
    assert view["callback_id"] == ids.EDIT_VIEW
    assert field["element"]["initial_value"] == DRAFT
    edited = DRAFT.replace("輸送中でございます。", "輸送中で、明日お届け予定でございます。")
    status, _ = await http_desk.send(
        view_submission(
            view=view,
            user=AGENT,
            text=edited,
            block_id=field["block_id"],
            action_id=field["element"]["action_id"],
        ),
        interactive=True,
    )
    await http_desk.settle()

    assert status == 200
    (entry,) = await _outbox(store)
    assert "明日お届け予定でございます" in entry.body
    assert entry.ticket_id == seeded.ticket_id


async def test_full_mail_shows_the_whole_text_with_its_quotes(
    http_desk: HttpDesk, store: Store, clock: ManualClock, emulator: SlackEmulator
) -> None:
    seeded, card_ts = await _on_slack(http_desk, store, clock)

    await _click(http_desk, ids.FULL_MAIL, str(seeded.message_row_id), card_ts, user="U0ANYONE1")

    (opened,) = emulator.views
    shown = "".join(
        b["text"]["text"]
        for b in opened["view"]["blocks"]
        if b.get("text", {}).get("type") == "plain_text"
    )
    assert shown == FULL_TEXT.strip()


async def test_cancel_within_the_undo_window_stops_the_mail(
    http_desk: HttpDesk, store: Store, clock: ManualClock, emulator: SlackEmulator
) -> None:
    _seeded, card_ts = await _on_slack(http_desk, store, clock)
    await http_desk.send(
        message_event(channel=CHANNEL, thread_ts=card_ts, user=AGENT, text="承知しました。")
    )
    await http_desk.settle()
    (queued,) = emulator.thread(CHANNEL, card_ts)
    (entry,) = await _outbox(store)

    await _click(
        http_desk, ids.CANCEL_SEND, str(entry.id), queued["ts"], user=AGENT2, thread_ts=card_ts
    )

    (after,) = await _outbox(store)
    assert after.state == "cancelled"
    (rewritten,) = emulator.thread(CHANNEL, card_ts)
    assert rewritten["ts"] == queued["ts"] and "cancelled" in rewritten["text"]
    assert all(b["type"] != "actions" for b in rewritten["blocks"])


async def test_cancel_after_the_mail_left_says_it_is_too_late(
    http_desk: HttpDesk, store: Store, clock: ManualClock, emulator: SlackEmulator
) -> None:
    _seeded, card_ts = await _on_slack(http_desk, store, clock)
    await http_desk.send(
        message_event(channel=CHANNEL, thread_ts=card_ts, user=AGENT, text="承知しました。")
    )
    await http_desk.settle()
    (entry,) = await _outbox(store)
    async with store.begin() as conn:
        await conn.execute(outbox.update().where(outbox.c.id == entry.id).values(state="sent"))

    await _click(http_desk, ids.CANCEL_SEND, str(entry.id), card_ts, thread_ts=card_ts)

    assert (await _outbox(store))[0].state == "sent"
    (note,) = emulator.ephemerals
    assert note["user"] == AGENT and "already left" in note["text"]
