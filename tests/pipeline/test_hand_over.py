"""Replies handed from the pipeline to the same process's sender (SQLite and PostgreSQL).

The running desk writes its replies already claimed by its own worker and sends them without
claiming them again; they stay in the store like any claimed entry, so nothing is lost if the
process dies, and nothing goes out twice.
"""

import asyncio
from pathlib import Path

from sqlalchemy import select

from bot.clock import ManualClock, SystemClock
from bot.mail.outbox import HANDED_MIN_LEASE, LEASE
from bot.store.schema import messages, outbox
from tests.mailfactory import buyer_mail
from tests.pipeline.test_pipeline import WHEN, deliver, desk_with_orders


async def _outbox_row(desk, entry_id: int):  # type: ignore[no-untyped-def]
    async with desk.store.connect() as conn:
        return (await conn.execute(select(outbox).where(outbox.c.id == entry_id))).one()


async def test_a_handed_over_reply_is_stored_claimed_and_sent_once(
    db_url, make_settings, clock: ManualClock, tmp_path: Path
) -> None:
    settings = make_settings(db_url)
    desk = await desk_with_orders(settings, clock, tmp_path)
    try:
        deliver(settings, "1", buyer_mail(WHEN, message_id="<h1@buyer.example.jp>"))
        await desk.ingest_once()
        assert desk.pipeline is not None and desk.sender is not None
        rows = await desk.pipeline.claim()
        (result,) = await desk.pipeline.process_batch(rows, hand_over=True)
        entry = result.entry
        assert entry is not None and entry.id == result.outbox_id
        assert entry.mailbox == "test" and entry.attempts == 1
        stored = await _outbox_row(desk, entry.id)
        assert (stored.state, stored.claimed_by, stored.attempts) == ("pending", "test-worker", 1)
        assert stored.claimed_until == clock.now() + LEASE
        assert stored.raw == entry.raw and stored.message_id == entry.message_id

        # Held by this worker: a claim (this process's or another's) does not take it.
        assert await desk.sender.send_due() == 0
        assert await desk.sender.send_claimed([entry]) == 1
        sent = await _outbox_row(desk, entry.id)
        assert (sent.state, sent.claimed_by, sent.attempts) == ("sent", None, 1)
        assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
        async with desk.store.connect() as conn:
            out = (await conn.execute(select(messages).where(messages.c.direction == "out"))).one()
        assert out.message_id == entry.message_id and out.text == entry.body
        assert await desk.send_outbox() == 0
    finally:
        await desk.close()


async def test_a_reply_handed_over_too_long_ago_goes_back_to_the_store(
    db_url, make_settings, clock: ManualClock, tmp_path: Path
) -> None:
    settings = make_settings(db_url)
    desk = await desk_with_orders(settings, clock, tmp_path)
    try:
        deliver(settings, "1", buyer_mail(WHEN, message_id="<h2@buyer.example.jp>"))
        await desk.ingest_once()
        assert desk.pipeline is not None and desk.sender is not None
        (result,) = await desk.pipeline.process_batch(await desk.pipeline.claim(), hand_over=True)
        assert result.entry is not None
        clock.advance(LEASE - HANDED_MIN_LEASE)
        # Its lease is half gone: not sent from memory, given back instead.
        assert await desk.sender.send_claimed([result.entry]) == 0
        released = await _outbox_row(desk, result.entry.id)
        assert (released.state, released.claimed_by) == ("pending", None)
        assert list((tmp_path / "outbox").glob("*.eml")) == []
        # The next claim sends it, as the second attempt (which first checks it did not leave).
        assert await desk.send_outbox() == 1
        sent = await _outbox_row(desk, result.entry.id)
        assert (sent.state, sent.attempts) == ("sent", 2)
        assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    finally:
        await desk.close()


async def test_without_hand_over_the_replies_wait_unclaimed(
    db_url, make_settings, clock: ManualClock, tmp_path: Path
) -> None:
    settings = make_settings(db_url)
    desk = await desk_with_orders(settings, clock, tmp_path)
    try:
        deliver(settings, "1", buyer_mail(WHEN, message_id="<h3@buyer.example.jp>"))
        await desk.ingest_once()
        assert desk.pipeline is not None
        (result,) = await desk.pipeline.process_batch(await desk.pipeline.claim())
        assert result.entry is None and result.outbox_id is not None
        stored = await _outbox_row(desk, result.outbox_id)
        assert (stored.claimed_by, stored.attempts) == (None, 0)
        assert await desk.send_outbox() == 1
    finally:
        await desk.close()


async def test_the_running_desk_answers_each_mail_once_and_holds_nothing_after(
    db_url, make_settings, tmp_path: Path
) -> None:
    # The service loop hands its replies over; stopped, it leaves no entry claimed.
    settings = make_settings(db_url, poll_seconds=0.05)
    for n in range(3):
        deliver(settings, str(n), buyer_mail(WHEN, message_id=f"<run{n}@buyer.example.jp>"))
    desk = await desk_with_orders(settings, SystemClock(), tmp_path)  # type: ignore[arg-type]
    stop = asyncio.Event()
    task = asyncio.create_task(desk.run(stop))
    try:
        for _ in range(400):
            if len(list((tmp_path / "outbox").glob("*.eml"))) == 3:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, 20)
        async with desk.store.connect() as conn:
            rows = (await conn.execute(select(outbox))).all()
        assert [(r.state, r.attempts, r.claimed_by) for r in rows] == [("sent", 1, None)] * 3
        assert len(list((tmp_path / "outbox").glob("*.eml"))) == 3
    finally:
        stop.set()
        await desk.close()
