"""Deadlines through the real pipeline: what opens one, what closes it, what never does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.mail.compose import compose, make_message_id
from bot.mail.outbox import enqueue
from bot.service import Desk
from bot.store.schema import deadlines, decisions, tickets
from tests.mailfactory import RELAY, buyer_mail

BROKEN = "届いた電気ケトルの取っ手が割れていました。交換か返金をお願いできますか。"
THANKS = "ご連絡ありがとうございます。承知しました。"
CHASER = "先ほどの件、まだご回答をいただけていません。いつ対応していただけますか。"


def deliver(settings: Settings, name: str, raw: bytes) -> None:
    path = settings.mailboxes[0].path
    assert path is not None
    (path / "new" / name).write_bytes(raw)


async def all_deadlines(desk: Desk) -> list[Any]:
    async with desk.store.connect() as conn:
        return list((await conn.execute(select(deadlines).order_by(deadlines.c.id))).all())


async def test_acknowledgement_keeps_the_deadline_open_and_a_follow_up_opens_another(
    db_url: str, make_settings: Any, clock: ManualClock
) -> None:
    settings = make_settings(db_url)
    desk = Desk(settings, clock=clock)
    try:
        deliver(settings, "1", buyer_mail(BROKEN, subject="電気ケトルの件", message_id="<m1@b.jp>"))
        assert (await desk.run_once()).counts() == {"handoff": 1}
        (first,) = await all_deadlines(desk)
        assert first.closed_at is None

        # The buyer only says "thanks, understood": nothing to answer, and nothing answered yet.
        clock.advance(timedelta(minutes=20))
        deliver(
            settings,
            "2",
            buyer_mail(
                THANKS,
                subject="Re: 電気ケトルの件",
                message_id="<m2@b.jp>",
                in_reply_to="<m1@b.jp>",
                references=["<m1@b.jp>"],
            ),
        )
        assert (await desk.run_once()).counts() == {"none": 1}
        (still,) = await all_deadlines(desk)
        assert (still.id, still.closed_at) == (first.id, None)

        # A real follow-up opens its own deadline from its own arrival.
        clock.advance(timedelta(minutes=40))
        deliver(
            settings,
            "3",
            buyer_mail(
                CHASER,
                subject="Re: 電気ケトルの件",
                message_id="<m3@b.jp>",
                in_reply_to="<m1@b.jp>",
                references=["<m1@b.jp>"],
            ),
        )
        await desk.run_once()
        older, newer = await all_deadlines(desk)
        assert older.ticket_id == newer.ticket_id
        assert newer.opened_at == clock.now()
        assert newer.due_at == clock.now() + timedelta(hours=6)
        assert older.closed_at is None and newer.closed_at is None

        # The agent's reply closes both.
        clock.advance(timedelta(minutes=15))
        await agent_reply(desk, settings, older.ticket_id, clock)
        await desk.send_outbox()
        closed = await all_deadlines(desk)
        assert [(d.closed_at, d.close_reason) for d in closed] == [
            (clock.now(), "replied_agent"),
            (clock.now(), "replied_agent"),
        ]
    finally:
        await desk.close()


async def test_no_reply_needed_on_a_new_mail_opens_no_deadline(
    db_url: str, make_settings: Any, clock: ManualClock
) -> None:
    settings = make_settings(db_url)
    desk = Desk(settings, clock=clock)
    try:
        deliver(settings, "1", buyer_mail("商品を受け取りました。ありがとうございました。"))
        assert (await desk.run_once()).counts() == {"none": 1}
        assert await all_deadlines(desk) == []
    finally:
        await desk.close()


async def agent_reply(desk: Desk, settings: Settings, ticket_id: int, clock: ManualClock) -> None:
    """Queue a reply written by an agent, the way the Slack desk does."""
    shop = settings.shop
    message_id = make_message_id(f"agent-reply:{ticket_id}", shop.address.split("@")[1])
    body = "お問い合わせの件、交換品をお送りいたします。"
    async with desk.store.begin() as conn:
        decision = (
            await conn.execute(
                select(decisions.c.id).where(decisions.c.ticket_id == ticket_id).limit(1)
            )
        ).scalar_one()
        await enqueue(
            conn,
            ticket_id=ticket_id,
            decision_id=decision,
            message_id=message_id,
            mail_from=shop.address,
            rcpt_to=[RELAY],
            subject="Re: 電気ケトルの件",
            body=body,
            raw=compose(
                from_name=shop.name,
                from_addr=shop.address,
                to=RELAY,
                subject="Re: 電気ケトルの件",
                body=body,
                message_id=message_id,
                date=clock.now(),
                automatic=False,
            ),
            author="agent:U0AGENT",
            now=clock.now(),
        )
        status = (
            await conn.execute(select(tickets.c.status).where(tickets.c.id == ticket_id))
        ).scalar_one()
    assert status == "waiting"
