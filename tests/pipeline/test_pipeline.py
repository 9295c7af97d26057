"""One buyer mail through the whole flow on a real store (SQLite and PostgreSQL)."""

from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.orders import import_orders
from bot.router import Router
from bot.service import Desk
from bot.store.schema import deadlines, decisions, messages, outbox, raw_mails, tickets
from tests.mailfactory import RELAY, buyer_mail

ORDERS = (
    "order_id,buyer_email,status,carrier,tracking_number,shipped_at,promised_from,promised_to,items\n"
    f"249-1111111-1111111,{RELAY},shipped,yamato,123456789013,2026/11/24,2026-11-26,2026-11-28,USB充電器\n"
)
WHEN = "注文番号249-1111111-1111111の商品はいつ届きますか？発送状況を教えてください。"


def deliver(settings: Settings, name: str, raw: bytes) -> None:
    path = settings.mailboxes[0].path
    assert path is not None
    (path / "new" / name).write_bytes(raw)


async def desk_with_orders(
    settings: Settings, clock: ManualClock, tmp_path: Path, router: Router | None = None
) -> Desk:
    desk = Desk(settings, clock=clock, router=router)
    await desk.start()
    (tmp_path / "orders.csv").write_text(ORDERS, encoding="utf-8")
    await import_orders(desk.store, tmp_path / "orders.csv", now=clock.now())
    return desk


async def test_shipping_question_is_answered_with_tracking(
    db_url, make_settings, clock, tmp_path
) -> None:
    settings = make_settings(db_url)
    desk = await desk_with_orders(settings, clock, tmp_path)
    try:
        deliver(
            settings,
            "1",
            buyer_mail(WHEN, subject="Re: RE: 配送について", message_id="<q1@buyer.example.jp>"),
        )
        summary = await desk.run_once()
        assert summary.counts() == {"reply": 1} and summary.sent == 1
        (sent,) = list((tmp_path / "outbox").glob("*.eml"))
        reply = message_from_bytes(sent.read_bytes(), policy=policy.default)
        assert reply["To"] == RELAY
        assert reply["Subject"] == "Re: 配送について"
        assert reply["In-Reply-To"] == "<q1@buyer.example.jp>"
        assert reply["Auto-Submitted"] == "auto-replied"
        body = reply.get_body(("plain",)).get_content()
        assert "123456789013" in body and "ヤマト運輸" in body
        assert "https://toi.kuronekoyamato.co.jp/cgi-bin/tneko?number01=123456789013" in body
        async with desk.store.connect() as conn:
            ticket = (await conn.execute(select(tickets))).one()
            assert ticket.status == "answered" and ticket.order_id == "249-1111111-1111111"
            assert ticket.first_response_at == clock.now()
            deadline = (await conn.execute(select(deadlines))).one()
            assert (
                deadline.close_reason == "replied_bot"
                and deadline.due_at == deadline.opened_at + timedelta(hours=6)
            )
            directions = (
                (await conn.execute(select(messages.c.direction).order_by(messages.c.id)))
                .scalars()
                .all()
            )
            assert directions == ["in", "out"]
    finally:
        await desk.close()


async def test_thanks_closes_without_reply_and_auto_replies_are_ignored(
    db_url, make_settings, clock, tmp_path
) -> None:
    settings = make_settings(db_url)
    desk = await desk_with_orders(settings, clock, tmp_path)
    try:
        deliver(
            settings,
            "1",
            buyer_mail(
                "商品を受け取りました。ありがとうございました。",
                subject="受け取りました",
                message_id="<t1@b>",
            ),
        )
        deliver(
            settings,
            "2",
            buyer_mail(
                "ただいま不在にしております。",
                subject="自動返信: 不在のお知らせ",
                message_id="<a1@b>",
                sender="other@example.jp",
                headers={"Auto-Submitted": "auto-replied"},
            ),
        )
        summary = await desk.run_once()
        assert summary.counts() == {"none": 2}
        assert summary.sent == 0
        async with desk.store.connect() as conn:
            assert (await conn.execute(select(outbox))).all() == []
            assert (await conn.execute(select(deadlines))).all() == []
            statuses = (await conn.execute(select(tickets.c.status))).scalars().all()
        assert statuses == ["closed", "closed"]
    finally:
        await desk.close()


async def test_handoff_keeps_the_deadline_open(db_url, make_settings, clock, tmp_path) -> None:
    settings = make_settings(db_url)
    desk = await desk_with_orders(settings, clock, tmp_path)
    try:
        deliver(
            settings,
            "1",
            buyer_mail("届いた商品が壊れていました。交換をお願いします。", subject="破損について"),
        )
        summary = await desk.run_once()
        assert summary.counts() == {"handoff": 1}
        async with desk.store.connect() as conn:
            assert (await conn.execute(select(tickets.c.status))).scalar_one() == "waiting"
            deadline = (await conn.execute(select(deadlines))).one()
            assert deadline.closed_at is None
            decision = (await conn.execute(select(decisions))).one()
            assert decision.kind == "handoff" and decision.draft
    finally:
        await desk.close()


async def test_same_message_delivered_twice_is_one_message(
    db_url, make_settings, clock, tmp_path
) -> None:
    settings = make_settings(db_url)
    desk = await desk_with_orders(settings, clock, tmp_path)
    try:
        raw = buyer_mail(WHEN, message_id="<dup@b>")
        deliver(settings, "1", raw)
        deliver(settings, "2", raw.replace(b"\n\n", b"\nX-Relayed: list\n\n", 1))
        summary = await desk.run_once()
        assert summary.counts() == {"reply": 1, "duplicate": 1}
        async with desk.store.connect() as conn:
            assert (
                len(
                    (await conn.execute(select(messages).where(messages.c.direction == "in"))).all()
                )
                == 1
            )
            states = sorted((await conn.execute(select(raw_mails.c.state))).scalars().all())
            finished = (
                await conn.execute(
                    select(
                        raw_mails.c.processed_at,
                        raw_mails.c.error,
                        raw_mails.c.claimed_by,
                        raw_mails.c.claimed_until,
                    )
                )
            ).all()
        assert states == ["done", "duplicate"]
        # Both were finished in the batch's transaction, at its time, and released.
        assert [tuple(r) for r in finished] == [(clock.now(), None, None, None)] * 2
    finally:
        await desk.close()


async def test_running_again_processes_and_sends_nothing_twice(
    sqlite_url, make_settings, clock, tmp_path
) -> None:
    settings = make_settings(sqlite_url)
    desk = await desk_with_orders(settings, clock, tmp_path)
    try:
        deliver(settings, "1", buyer_mail(WHEN))
        first = await desk.run_once()
        second = await desk.run_once()
    finally:
        await desk.close()
    restarted = Desk(settings, clock=clock)
    try:
        third = await restarted.run_once()
    finally:
        await restarted.close()
    assert (first.sent, len(first.processed)) == (1, 1)
    assert (second.sent, len(second.processed), third.sent, len(third.processed)) == (0, 0, 0, 0)
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


async def test_unreadable_mail_is_kept_and_handed_to_a_human(
    db_url, make_settings, clock, tmp_path
) -> None:
    settings = make_settings(db_url)
    desk = await desk_with_orders(settings, clock, tmp_path)
    garbage = b"\x00\xff\xfe garbage without headers \x00\x00" * 20
    try:
        deliver(settings, "1", garbage)
        summary = await desk.run_once()
        assert summary.counts() == {"handoff": 1}
        async with desk.store.connect() as conn:
            assert (await conn.execute(select(raw_mails.c.raw))).scalar_one() == garbage
            decision = (await conn.execute(select(decisions))).one()
        assert "sender" in decision.reason or "parse" in decision.reason
    finally:
        await desk.close()


async def test_a_failing_handler_is_retried_then_handed_off(
    sqlite_url, make_settings, clock, tmp_path
) -> None:
    router = Router("broken")

    @router.fallback
    async def explode() -> None:  # type: ignore[misc]
        raise RuntimeError("handler bug")

    settings = make_settings(sqlite_url)
    desk = await desk_with_orders(settings, clock, tmp_path, router=router)
    try:
        deliver(settings, "1", buyer_mail("届いた商品が壊れていました。"))
        await desk.ingest_once()
        states = []
        for _ in range(3):
            (item,) = await desk.pipeline.process_pending()  # type: ignore[union-attr]
            states.append(item.state)
            clock.advance(timedelta(minutes=6))
        assert states == ["skipped", "skipped", "failed"]
        async with desk.store.connect() as conn:
            raw = (await conn.execute(select(raw_mails))).one()
            assert raw.state == "failed" and "handler bug" in raw.error
            assert (await conn.execute(select(tickets.c.status))).scalar_one() == "waiting"
            assert "handler bug" in (await conn.execute(select(decisions.c.reason))).scalar_one()
    finally:
        await desk.close()


async def test_automatic_replies_to_one_sender_are_capped(
    sqlite_url, make_settings, clock, tmp_path
) -> None:
    settings = make_settings(sqlite_url)
    desk = await desk_with_orders(settings, clock, tmp_path)
    try:
        kinds = []
        for i in range(4):
            deliver(settings, str(i), buyer_mail(WHEN, message_id=f"<loop{i}@b>"))
            summary = await desk.run_once()
            kinds.extend(p.outcome.kind for p in summary.processed if p.outcome)
            clock.advance(timedelta(minutes=10))
        assert kinds == ["reply", "reply", "reply", "handoff"]
    finally:
        await desk.close()
